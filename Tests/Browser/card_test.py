#!/usr/bin/env python3
"""Drives real headless Chromium (Selenium, Debian's chromium-driver) against a SoccerStream web
gateway while matches stream (issue 26). Run by WebTests' BrowserTests, which starts the origin
server (reading two feeds as they grow) and the gateway, and hands this script the feeds: the
script appends their lines one at a time and checks what the pages show after each.

Every wait is for the condition it means (a DOM state, the gateway's event count), bounded in
time; nothing sleeps for a fixed time. Exit status 0: every check passed."""
import argparse
import json
import signal
import socket
import sys
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 60


class Proxy:
    """A TCP proxy between the browser and the gateway that can cut every connection and refuse
    new ones for a while: the browser's connection dies mid-match as on a train in a tunnel."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.blocked = False
        self.lock = threading.Lock()
        self.open = []
        self.running = True
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.blocked:
                    client.close()
                    continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def block(self):
        with self.lock:
            self.blocked = True
            for connection in self.open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
                except OSError:
                    pass
            self.open = []

    def unblock(self):
        with self.lock:
            self.blocked = False

    def stop(self):
        self.running = False
        self.block()
        self.listener.close()


def browser(javascript=True, width=400, height=900):
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def wait(driver, condition, what, timeout=TIMEOUT):
    # A live page replaces elements as events arrive: one found a moment ago may be gone.
    WebDriverWait(driver, timeout, poll_frequency=0.05, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda d: condition(d), message=what
    )


def fresh(read):
    """`read()` again if the live page replaced an element it was reading (at most 50 times)."""
    for _ in range(49):
        try:
            return read()
        except StaleElementReferenceException:
            continue
    return read()


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print("ok:", what, flush=True)


def append(path, line):
    with open(path, "a", encoding="utf-8") as feed:
        feed.write(line + "\n")


def gateway_json(base, match):
    with urllib.request.urlopen(f"{base}/matches/{match}.json", timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def wait_gateway(base, match, events):
    """Until the gateway holds `events` events of `match` (it follows the origin over UDP)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if gateway_json(base, match)["events"] >= events:
            return
        time.sleep(0.05)
    raise AssertionError(f"the gateway never held {events} events of match {match}")


def items(driver):
    return driver.execute_script("return Array.from(document.querySelectorAll('#timeline li.ev')).map(li => Number(li.dataset.seq))")


def text(driver, selector):
    return fresh(lambda: driver.find_element(By.CSS_SELECTOR, selector).text)


def stars(driver, player):
    return len(driver.find_elements(By.CSS_SELECTOR, f'li[data-player="{player}"] .star'))


def main():
    parser = argparse.ArgumentParser()
    for name in ("url", "real-feed", "real-rest", "hostile-feed", "hostile-rest", "screenshots"):
        parser.add_argument("--" + name, required=True)
    arguments = parser.parse_args()
    base = arguments.url.rstrip("/")
    proxy = Proxy(int(base.rsplit(":", 1)[1]))
    via = f"http://127.0.0.1:{proxy.port}"
    real_lines = open(arguments.real_rest, encoding="utf-8").read().splitlines()
    hostile_lines = open(arguments.hostile_rest, encoding="utf-8").read().splitlines()
    live = browser()
    static = browser(javascript=False)
    try:
        # The index lists both matches, live (the gateway finds them as the origin lists them).
        live.get(via + "/")
        wait(live, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#matches li.row")) == 2, "the index lists both matches")
        rows = fresh(lambda: {row.text: row.get_attribute("id")[1:] for row in live.find_elements(By.CSS_SELECTOR, "#matches li.row")})
        real = next(match for row, match in rows.items() if "Aldeia" in row)
        hostile = next(match for row, match in rows.items() if "Aldeia" not in row)
        check(True, f"index lists the real match {real} and the hostile one {hostile}")

        live.get(f"{via}/matches/{real}")
        static.get(f"{base}/matches/{real}")
        wait(live, lambda d: d.find_element(By.CSS_SELECTOR, "main").get_attribute("data-live") == "open", "the card's event stream opens")
        check(text(static, "#score") == "0 – 0", "without JavaScript the card is rendered on the server (0 – 0)")

        def play(index):
            append(arguments.real_feed, real_lines[index])
            wait(live, lambda d: len(items(d)) == index + 1, f"timeline item {index + 1} appears without a reload")

        for index in range(0, 2):
            play(index)
        check(text(live, "#score") == "0 – 1" and text(live, "#status") == "23'", "the penalty goal: score 0 – 1, minute 23'")
        check(stars(live, "away:8") == 1, "the goal adds a star to its scorer (away:8)")
        check(sum(stars(live, f"home:{n}") for n in range(13)) == 0 and stars(live, "away:9") == 0, "and to no one else")
        check("Lewis Okafor (pen) 23'" in text(live, ".team.away .scorers"), "the scorer and minute under his team")
        check(text(static, "#score") == "0 – 0", "the page without JavaScript is unchanged until reloaded")
        static.refresh()
        check(text(static, "#score") == "0 – 1" and len(items(static)) == 2, "reloaded, it shows the goal (server-rendered)")
        for index in range(2, 8):
            play(index)
        check(text(live, "#score") == "1 – 1", "the own goal counts for the other side: 1 – 1")
        check(len(live.find_elements(By.CSS_SELECTOR, 'li[data-player="away:2"] .og')) == 1, "the own goal is marked on its player")
        check(len(live.find_elements(By.CSS_SELECTOR, 'li[data-player="home:10"] .sub.on')) == 1
              and len(live.find_elements(By.CSS_SELECTOR, 'li[data-player="home:6"] .sub.off')) == 1, "the substitution: in and out")
        def sent_off():
            player = live.find_element(By.CSS_SELECTOR, 'li[data-player="home:5"]')
            return "sent-off" in player.get_attribute("class") and len(player.find_elements(By.CSS_SELECTOR, ".card.second-yellow")) == 1

        check(fresh(sent_off), "the second yellow marks the player sent off")
        play(8)

        # The browser's connection dies mid-match; the match goes on; the connection comes back.
        proxy.block()
        wait(live, lambda d: d.find_element(By.CSS_SELECTOR, "main").get_attribute("data-live") == "reconnecting", "the card sees its stream cut")
        for index in range(9, 13):
            append(arguments.real_feed, real_lines[index])
        wait_gateway(base, real, 13)
        check(len(items(live)) == 9, "while cut off, the card has not got the events the gateway holds")
        proxy.unblock()
        wait(live, lambda d: len(items(d)) == 13, "reconnected (Last-Event-ID), the card gets exactly what it missed")
        sequences = items(live)
        check(sequences == sorted(sequences, reverse=True) and len(set(sequences)) == 13 and max(sequences) - min(sequences) == 12,
              "the timeline is complete and in order, no gap, no duplicate")

        for index in range(13, len(real_lines)):
            append(arguments.real_feed, real_lines[index])
        wait(live, lambda d: d.find_element(By.CSS_SELECTOR, "main").get_attribute("data-ended") == "true", "the card sees the final whistle")
        state = gateway_json(base, real)
        check(text(live, "#status") == state["status_text"] and "pens" in state["status_text"], f"full time after extra time and a shoot-out: {state['status_text']}")
        check(len(items(live)) == len(real_lines) - 1, "every event is on the timeline")
        resources = live.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        check(all(name.startswith(via) for name in resources), f"no request leaves the gateway ({len(resources)} resources)")
        height = live.execute_script("return document.documentElement.scrollHeight")
        live.set_window_size(400, height + 140)
        live.save_screenshot(arguments.screenshots + "/card-full-time.png")
        check(True, "screenshot of the card at full time saved")
        live.set_window_size(360, 800)
        wait(live, lambda d: d.execute_script("return window.innerWidth") <= 360, "the window is a 360 px phone's")
        check(live.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling at 360 px")
        live.save_screenshot(arguments.screenshots + "/card-phone.png")
        live.get(f"{via}/matches/{real}?lang=pt")
        check("Escalações" in live.page_source and live.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pt", "in Portuguese with ?lang=pt")

        # Hostile names: nothing they carry runs, and the page still renders them as text.
        live.get(f"{via}/matches/{hostile}")
        wait(live, lambda d: d.find_element(By.CSS_SELECTOR, "main").get_attribute("data-live") == "open", "the hostile card's stream opens")
        for line in hostile_lines:
            append(arguments.hostile_feed, line)
        wait(live, lambda d: d.find_element(By.CSS_SELECTOR, "main").get_attribute("data-ended") == "true", "the hostile match ends")
        check(live.execute_script("return window.pwned === undefined"), "no script from a name ran (window.pwned unset)")
        try:
            live.switch_to.alert
            raise AssertionError("an alert opened")
        except NoAlertPresentException:
            check(True, "no alert opened")
        check("<script>window.pwned=1</script>" in text(live, ".team.home h1"), "the name shows as text, tags and all")
        check("\u202eevil\u202c <img src=x onerror=window.pwned=2>" in text(live, "#lineups"),
              "the right-to-left name is shown, isolated")
        check(len(items(live)) == len(hostile_lines) - 1 and live.find_elements(By.CSS_SELECTOR, "#stats table"), "the page still renders")
        check(live.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "long hostile names wrap: no sideways scrolling at 360 px")
        live.save_screenshot(arguments.screenshots + "/card-hostile.png")
        print("all browser checks passed", flush=True)
        return 0
    finally:
        live.quit()
        static.quit()
        proxy.stop()


if __name__ == "__main__":
    # Stopped by the test's timeout (SIGTERM): the finally clause still quits both browsers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sys.exit(main())
