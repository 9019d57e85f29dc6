"""The workshop app under a room's load: one live run, a remembered lever change, twenty people at once.

    python benchmarks/bench_app.py [--users 20]

Needs the `app` extra, Playwright and the system's Chromium. The server runs as users start it (``scalesim app``,
two simulation workers) but without the start-up warm-up, so every first answer is a live run. Times are from a
click in the page to the answer's headline and its figure on screen.

In a room the browsers run on the participants' machines; here twenty Chromium pages share the server's two
cores. So the browsers run at the lowest CPU priority (nice 19) with their animations off, and clicks are sent as
page events (not Playwright's wait for a background tab to paint): the times are the server's, as closely as one
machine can measure them.

The reference, measured in this process: one answer's work done directly (``run_plain``: the simulation of the
one design and its four figures) and the simulation alone. A live answer divided by it says what the web
server, the pool and the browser add.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from scalesim.app.compute import run_plain
from scalesim.app.levers import build, likely
from scalesim.ops.run import simulate
from scalesim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
STALL = SCENARIOS / "stall-demo.yaml"
TOGGLES = [("integration_point", "embedded"), ("process_owner", "with"), ("monitoring", "with")]
TOGGLES += [("accountability", "with"), ("go_live", "with")]


NO_ANIMATION = "*, *::before, *::after { animation: none !important; transition: none !important; }"


@contextmanager
def server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "scalesim.cli", "app", "--port", str(port), "--no-warm", "--scenario", str(STALL)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(30)


def ready(page: Page, url: str) -> None:
    page.goto(url)
    page.add_style_tag(content=NO_ANIMATION)
    page.wait_for_selector("#lever_monitoring", timeout=120_000)
    page.wait_for_timeout(300)


def click(page: Page) -> None:
    """Clear the headline and send the run click: the answer has come when a headline is back (the figures come in
    the same message; an identical figure is not sent again, so they cannot be cleared and waited for)."""
    page.evaluate("document.querySelector('#headline').innerText = ''; document.querySelector('#run').click();")


def answered(page: Page) -> None:
    page.wait_for_function(
        "document.querySelector('#headline')?.innerText.includes('retention') && document.querySelector('#state img')",
        timeout=120_000,
        polling=50,
    )


def one_user(browser, url: str) -> tuple[float, float]:
    page = browser.new_page()
    ready(page, url)
    click(page)
    answered(page)  # bolt_on: the first answer, live
    page.select_option("#lever_monitoring", "with")
    started = time.perf_counter()
    click(page)
    answered(page)
    live = time.perf_counter() - started
    page.select_option("#lever_monitoring", "without")
    started = time.perf_counter()
    click(page)
    answered(page)  # back to bolt_on: remembered
    return live, time.perf_counter() - started


def many_users(browser, url: str, users: int) -> tuple[float, float]:
    contexts = [browser.new_context() for _ in range(4)]
    pages = [contexts[i % 4].new_page() for i in range(users)]
    for i, page in enumerate(pages):
        ready(page, url)
        page.select_option(f"#lever_{TOGGLES[i % len(TOGGLES)][0]}", TOGGLES[i % len(TOGGLES)][1])
    times = []
    for _ in range(2):  # first: live runs (each lever once, shared); then the same again, remembered
        started = time.perf_counter()
        for page in pages:
            click(page)
        for page in pages:
            answered(page)
        times.append(time.perf_counter() - started)
    for context in contexts:
        context.close()
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    scenario = load_scenario(STALL)
    built = build(scenario, "bolt_on", {"monitoring": "with"}, {})
    started = time.perf_counter()
    simulate(built.scenario)
    bare = time.perf_counter() - started
    started = time.perf_counter()
    run_plain(built.key)
    reference = time.perf_counter() - started
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with server() as one, server() as room:  # started before the browser, at normal priority
        os.nice(19)  # this process, and the browser it starts, yield the cores to the server
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-background-networking"]
            )
            live, cached = one_user(browser, one)
            first, again = many_users(browser, room, args.users)
            browser.close()
    print(f"reference (this process): simulate {bare:.2f} s; one answer's work (run + 4 figures) {reference:.2f} s")
    print(f"{'measure':<52} {'seconds':>8} {'target':>7} {'x reference':>12}")
    rows = [
        ("one user, a live custom run of stall-demo", live, 5.0),
        ("one user, a remembered lever change", cached, 1.0),
        (f"{args.users} users at once, {len(TOGGLES)} new lever settings (live)", first, 15.0),
        (f"{args.users} users at once, the same settings (remembered)", again, 15.0),
    ]
    for label, seconds, target in rows:
        print(f"{label:<52} {seconds:>8.2f} {target:>7.1f} {seconds / reference:>12.2f}")
    print("\nstart-up warm-up (every lever combination of each design, one worker, estimated from one run each):")
    for path in sorted(SCENARIOS.glob("*.yaml")):
        if path.stem.startswith("portfolio-"):
            continue
        bundled = load_scenario(path)
        keys = list(dict.fromkeys(b.key for b in likely(bundled)))
        started = time.perf_counter()
        run_plain(keys[0])
        each = time.perf_counter() - started
        print(f"  {path.stem:<20} {len(keys):>4} designs x {each:5.2f} s = {len(keys) * each / 60:5.1f} min")


if __name__ == "__main__":
    main()
