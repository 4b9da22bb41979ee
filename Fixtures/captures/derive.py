#!/usr/bin/env python3
"""Derives the other capture fixtures from the real ones (make-captures.sh runs it):
byte-order and link-type variants of real traffic, and files corrupted on purpose."""
import struct, sys, zlib, os

here = sys.argv[1]

def read_pcap(path):
    data = open(os.path.join(here, path), "rb").read()
    magic = data[:4]
    order = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    header = struct.unpack(order + "IHHiIII", data[:24])
    records, offset = [], 24
    while offset < len(data):
        sec, frac, incl, orig = struct.unpack(order + "IIII", data[offset:offset + 16])
        records.append((sec, frac, data[offset + 16:offset + 16 + incl], orig))
        offset += 16 + incl
    return header, records

def write_pcap(path, header, records, order="<", linktype=None):
    magic, major, minor, zone, sigfigs, snap, link = header
    out = [struct.pack(order + "IHHiIII", magic, major, minor, zone, sigfigs, snap, linktype if linktype is not None else link)]
    for sec, frac, payload, orig in records:
        out.append(struct.pack(order + "IIII", sec, frac, len(payload), orig) + payload)
    open(os.path.join(here, path), "wb").write(b"".join(out))

header, records = read_pcap("session-sll2-nanos.pcap")
# Big-endian: the same records with every header integer in network order (as a SPARC or PowerPC tcpdump writes).
write_pcap("session-sll2-nanos-bigendian.pcap", header, records, order=">")

raw_header, raw = read_pcap("client-capture.pcap")
# BSD loopback (NULL, link type 0): a 4-byte address family in the capturing host's order, then the IP packet.
write_pcap("client-capture-null.pcap", raw_header, [(s, f, struct.pack("<I", 2) + p, o + 4) for s, f, p, o in raw], linktype=0)

header, eth = read_pcap("session-ipv4.pcap")
# 802.1Q: a VLAN tag (TPID 0x8100, VLAN 42) between the MAC addresses and the EtherType.
write_pcap("session-ipv4-vlan.pcap", header, [(s, f, p[:12] + b"\x81\x00\x00\x2a" + p[12:], o + 4) for s, f, p, o in eth])

# Corrupted on purpose --------------------------------------------------------------------
data = open(os.path.join(here, "client-capture.pcap"), "rb").read()
open(os.path.join(here, "corrupt-truncated.pcap"), "wb").write(data[:len(data) * 2 // 3])
open(os.path.join(here, "corrupt-linktype.pcap"), "wb").write(data[:20] + struct.pack("<I", 147) + data[24:])

def ip_udp(payload, sport, dport):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    return ip + udp

sport = 12345
dport = struct.unpack(">H", raw[1][2][22:24])[0]
mangled = list(raw)
# A compact event whose minute byte (offset 12) is 200: out of range.
for i, (s, f, p, o) in enumerate(mangled):
    frame = bytearray(p[28:])
    if frame[:2] == b"\xff\x53" and frame[3] == 4:
        frame[12] = 200
        mangled[i] = (s, f, ip_udp(bytes(frame), sport, dport), o)
        break
write_pcap("corrupt-mangled-frame.pcap", raw_header, mangled)

# An original-protocol JSON datagram with broken JSON, and one with a wrong type.
sample = open(os.path.join(here, "../frames/original-datagram-last-pt.bin"), "rb").read()
bad_json = sample.replace(b'"count": ', b'"count": x', 1)
bad_type = sample.replace(b'"cartao_vermelho": false', b'"cartao_vermelho": 0', 1)
s0, f0 = raw[0][0], raw[0][1]
write_pcap("corrupt-bad-json.pcap", raw_header, [
    (s0, f0, ip_udp(b"register", dport, sport), 36),
    (s0, f0 + 1000, ip_udp(bad_json, sport, dport), 28 + len(bad_json)),
    (s0, f0 + 2000, ip_udp(bad_type, sport, dport), 28 + len(bad_type)),
    (s0, f0 + 3000, ip_udp(b"End of transmission", sport, dport), 47),
])

# A zlib bomb: a compact event frame whose compressed body inflates to 10 MB of zeros.
c = zlib.compressobj(9, zlib.DEFLATED, -15)
bomb = c.compress(b"\x00" * 10_000_000) + c.flush()
# Version 2 header (23 bytes): magic, version, kind, flags, sequence, type, score, minute, length, subscription.
frame = (b"\xff\x53\x02\x04" + bytes([0x02 | 0x04]) + struct.pack(">I", 0) + bytes([1, 0, 0, 3]) + struct.pack(">H", len(bomb))
         + struct.pack(">Q", 0x5EED2028C0FFEE01) + bomb)
write_pcap("corrupt-zlib-bomb.pcap", raw_header, [(s0, f0, ip_udp(frame, sport, dport), 28 + len(frame))])
