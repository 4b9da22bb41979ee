#!/usr/bin/env bash
# Makes the real captures in this folder: a SoccerStream server and clients inside a private
# network namespace whose loopback has a 1,500-byte MTU (so a 3 KB JSON datagram really
# crosses the link in three IP fragments), captured by tcpdump and tshark. Needs root,
# iproute2, tcpdump and tshark (apt-get install -y tcpdump tshark); CI needs none of them.
# Traffic stays on the namespace's own loopback (127.0.0.1 and ::1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${SOCCER_STREAM:-"$here/../../.build/debug/soccer-stream"}
ns=soccerstream-captures
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up mtu 1500
run() { ip netns exec "$ns" "$@"; }
cd "$work"

# A plain-socket original client: register, read N datagrams, unregister.
cat > original_client.py <<'PY'
import socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b"register", (host, port))
for _ in range(count):
    data, _ = s.recvfrom(4096)
    if data == b"End of transmission":
        break
s.sendto(b"unregister", (host, port))
PY

# "udp port" matches only a datagram's first IP fragment (the later ones carry no UDP
# header), so the filter also takes every non-first IPv4 fragment and every IPv6 fragment.
filter='udp port 12345 or (ip[6:2] & 0x1fff != 0) or (ip6[6] == 44)'

capture() {   # capture FILE TOOL-ARGS...: start a capture, wait until it is ready
  local file=$1; shift
  ip netns exec "$ns" "$@" -w "$file" >/dev/null 2>"$file.log" & echo $! > capture.pid
  sleep 2
}
stop_capture() { sleep 1.5; kill -TERM "$(cat capture.pid)"; wait "$(cat capture.pid)" 2>/dev/null || true; }

# 1. tcpdump, classic pcap, Ethernet link type (lo), microseconds, IPv4:
#    a compact client for the whole match, a json client interrupted (SIGINT) after a few events.
capture session-ipv4.pcap tcpdump --immediate-mode -i lo -U -s 0 "$filter"
run "$bin" server --host 127.0.0.1 --interval 0.05 --wait-for-clients 2 --log-file server.log &
server=$!
sleep 0.3
run "$bin" client --quiet --format compact --log-file c1.log --stats-file s1.log & c1=$!
run timeout -s INT 0.6 "$bin" client --quiet --format json --log-file c2.log --stats-file s2.log || true
wait $server $c1
stop_capture

# 2. tshark, pcapng with two interfaces (lo: Ethernet; any: Linux cooked v1), IPv6 (::1):
#    an original-protocol client for five events, and a compact client.
capture session-ipv6.pcapng tshark -q -i lo -i any -f "$filter"
run "$bin" server --host ::1 --interval 0.05 --wait-for-clients 2 --language pt --log-file server6.log &
server=$!
sleep 0.3
run python3 original_client.py ::1 12345 5 & c1=$!
run "$bin" client --server ::1 --quiet --format compact --log-file c3.log --stats-file s3.log
wait $server $c1
stop_capture

# 3. tcpdump, nanosecond timestamps, "any" as Linux cooked v2, compact clients only.
capture session-sll2-nanos.pcap tcpdump --immediate-mode -i any -y LINUX_SLL2 --time-stamp-precision=nano -U -s 0 "$filter"
run "$bin" server --host 127.0.0.1 --interval 0.02 --wait-for-clients 2 --seed 5 --log-file server3.log &
server=$!
sleep 0.3
run "$bin" client --quiet --log-file c4.log --stats-file s4.log & c1=$!
run "$bin" client --quiet --dictionary none --log-file c5.log --stats-file s5.log
wait $server $c1
stop_capture

# 4. The client's own capture (--capture: classic pcap, raw IP link type).
run "$bin" server --host 127.0.0.1 --interval 0.02 --wait-for-clients 1 --seed 9 --log-file server4.log &
server=$!
sleep 0.3
run "$bin" client --quiet --capture client-capture.pcap --log-file c6.log --stats-file client-capture.stats.log
wait $server
cp client-capture.stats.log "$here/"

cp session-ipv4.pcap session-ipv6.pcapng session-sll2-nanos.pcap client-capture.pcap "$here/"
python3 "$here/derive.py" "$here"
ls -l "$here"
