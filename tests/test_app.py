"""The workshop app in a real browser: Playwright driving the system's Chromium against ``scalesim app``.

Screenshots go to ``SCALESIM_SCREENSHOTS`` when set (the how-to's pictures are made this way), else to the
test's temporary folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scalesim.labels import REASONS_SHORT

from conftest import CHROMIUM, ROOT, SCENARIOS

pytest.importorskip("shiny")
pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no system chromium")]
ANSWER_MS = 180_000  # a live run on a loaded CI machine; the benchmark measures the real times


def _canonical(design: str) -> tuple[str, str]:
    """The stall-demo's stored run for ``design``: its retention as the app prints it, and its stall in words."""
    (summary,) = (ROOT / "results" / "canonical" / "stall-demo").glob("seed2026-*/summary.json")
    data = json.loads(summary.read_text())["designs"][design]
    stall = data["stall"]
    if stall["verdict"] != "stalled":
        return f"retention {data['retention']:.1%}", stall["verdict"]
    reason = REASONS_SHORT[stall["reason"]]  # the app says why in words
    return f"retention {data['retention']:.1%}", f"{stall['verdict']} ({reason}, day {stall['day']:.0f})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, state: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "scalesim.cli", "app", "--port", str(port), "--no-warm", "--state", str(state)]
    command += ["--scenario", str(SCENARIOS / "stall-demo.yaml"), "--scenario", str(SCENARIOS / "claims-triage.yaml")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    return process


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    process = _start(port, tmp_path_factory.mktemp("state") / "app.sqlite")
    yield f"http://127.0.0.1:{port}", process
    process.terminate()
    process.wait(10)


def _open_workshop(page, address: str) -> str:
    page.goto(address)
    page.click("text=facilitate")
    page.select_option("#open_scenario", "stall-demo")
    page.wait_for_timeout(500)
    page.click("#open")
    return _text(page, "#code", "code ").split()[1]


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCALESIM_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _ready(page) -> None:
    """The explore page is live once the server has rendered the sliders and levers of the first scenario."""
    page.wait_for_selector("#assume_production_accuracy", timeout=60_000)
    page.wait_for_selector("#lever_monitoring", timeout=60_000)
    page.wait_for_timeout(500)


def _text(page, selector: str, needle: str) -> str:
    page.wait_for_function(f"document.querySelector({selector!r})?.innerText.includes({needle!r})", timeout=ANSWER_MS)
    return page.inner_text(selector)


def test_a_lever_changes_the_retention_and_the_chart(server, browser, shots: Path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server[0])
    _ready(page)
    page.click("#run")
    before = _text(page, "#headline", "retention")
    retention, stall = _canonical("bolt_on")  # the first design, as in the canonical results
    assert before.startswith(f"{retention} · {stall}")
    assert "costs: 30,000 EUR up front" in page.inner_text("#costs")
    titles = page.locator("#headline abbr").evaluate_all("els => els.map(e => e.title)")
    assert any("share of the pilot's" in t for t in titles)  # a glossary on hover: what retention means
    chart_before = page.locator("#waterfall img").get_attribute("src")
    page.select_option("#lever_monitoring", "with")
    page.click("#run")
    page.wait_for_function(
        f"!document.querySelector('#headline').innerText.startsWith({before[:15]!r})", timeout=ANSWER_MS
    )
    after = page.inner_text("#headline")
    assert after.startswith(_canonical("monitoring_only")[0])  # bolt_on + monitoring = monitoring_only
    page.wait_for_function(
        f"document.querySelector('#waterfall img')?.getAttribute('src') !== {chart_before!r}", timeout=30_000
    )
    page.select_option("#lever_monitoring", "without")
    page.click("#run")
    assert "from the cache" in _text(page, "#headline", retention)  # the first answer, remembered
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "app-explore.png"), full_page=True)
    page.select_option("#other", "redesigned")  # bolt-on here, the redesign there
    both = _text(page, "#compare_view", "redesigned")
    redesigned = _canonical("redesigned")[0]
    assert both.count("retention") == 2 and redesigned in both and retention in both
    assert page.locator("#compare_view img").count() == 4
    page.wait_for_function("document.querySelectorAll('#waterfall img').length === 0", timeout=10_000)  # not twice
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "app-side-by-side.png"), full_page=True)


def test_tables_join_a_workshop_and_the_facilitator_sees_them_side_by_side(
    server, browser, shots: Path, tmp_path: Path
):
    facilitator = browser.new_page(viewport={"width": 1920, "height": 1080})  # a projector
    code = _open_workshop(facilitator, server[0])
    assert "budget 100,000 EUR" in facilitator.inner_text("#code")
    assert f"?join={code}" in _text(facilitator, "#join_address", "join")  # the room joins here ...
    assert facilitator.locator("#join_qr").get_attribute("src").startswith("data:image/svg+xml")  # ... or scans

    def join(name: str) -> object:
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()  # another person
        page.goto(server[0])
        page.click("text=join a workshop")
        page.fill("#join_code", code.lower())
        page.fill("#join_table", name)
        page.click("#join")
        return page

    tables = {}
    red_levers = {"integration_point": "embedded", "process_owner": "with"}
    guesses = {"Blue": ("60", "50000"), "Red": ("70", "200000")}
    for name, levers in (("Blue", {}), ("Red", red_levers), ("$$ Makers", {})):  # "$$": text, not mathematics
        page = join(name)
        page.wait_for_selector("#table_run", timeout=30_000)
        for lever, option in levers.items():
            page.select_option(f"#table_lever_{lever}", option)
        if name in guesses:  # what the table expects, written down before the reveal
            page.fill("#guess_retention", guesses[name][0])
            page.fill("#guess_npv", guesses[name][1])
            page.click("#guess")
            _text(page, "#guess_saved", "saved")
        tables[name] = page
    impostor = join("  red ")  # a name in use, typed by another browser: refused, Red's result is safe
    assert "table name 'Red' is taken" in _text(impostor, "#table_error", "taken")
    assert impostor.locator("#table_run").count() == 0
    red = tables["Red"]
    for lever in ("accountability", "go_live"):  # the whole redesign: over the budget
        red.select_option(f"#table_lever_{lever}", "with")
    _text(red, "#table_costs", "150,000 EUR up front (OVER budget by 50,000)")
    red.click("#table_run")
    _text(red, "#table_error", "50,000 over the budget of 100,000")
    for lever in ("accountability", "go_live"):
        red.select_option(f"#table_lever_{lever}", "without")
    _text(red, "#table_costs", "90,000 EUR up front (within budget)")
    for page in tables.values():
        page.click("#table_run")
    _text(red, "#table_run", "simulating")  # the button says it is busy while the answer comes
    blue = _text(tables["Blue"], "#table_headline", "retention")
    retention, stall = _canonical("bolt_on")  # Blue changed no lever
    assert blue.startswith(f"{retention} · {stall}") and "Why:" in blue
    assert _text(red, "#table_headline", "retention").startswith("retention")
    red.select_option("#table_lever_monitoring", "with")  # a lever moved after the run: the answer is marked
    assert "out of date" in _text(red, "#table_headline", "out of date")
    red.select_option("#table_lever_monitoring", "without")
    red.wait_for_timeout(1000)
    red.screenshot(path=str(shots / "app-table.png"), full_page=True)

    board = _text(facilitator, "#board", "Red")
    assert "Blue" in board and "$$ Makers" in board and "in the queue" in board
    assert "retention" not in board and "value kept" not in board  # hidden until revealed
    facilitator.click("#reveal", force=True)
    debrief = _text(facilitator, "#debrief", "value kept")
    facilitator.set_viewport_size({"width": 1280, "height": 800})
    facilitator.wait_for_timeout(800)
    assert facilitator.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing wider than a laptop
    facilitator.set_viewport_size({"width": 1920, "height": 1080})
    day = stall.split("day ")[1].rstrip(")")
    assert f"{retention.split()[1]}" in debrief and f"stalled on day {day}: adoption stayed under" in debrief
    assert "60.0%, NPV 50,000 EUR" in debrief and "no guess" in debrief  # guesses against results
    assert debrief.index("Red") < debrief.index("Blue")  # ranked by the value kept
    facilitator.wait_for_selector("#side_by_side img", timeout=60_000)
    assert facilitator.locator("#side_by_side .shiny-output-error").count() == 0
    facilitator.wait_for_selector("#replay img", timeout=60_000)
    first = facilitator.locator("#replay img").get_attribute("src")
    assert facilitator.locator(".slider-animate-button").count() == 1  # play / pause
    facilitator.evaluate("Shiny.setInputValue('replay_week', 30)")  # a step forward
    facilitator.wait_for_function(
        f"document.querySelector('#replay img')?.getAttribute('src') !== {first!r}", timeout=30_000
    )
    facilitator.wait_for_timeout(1500)
    facilitator.screenshot(path=str(shots / "app-facilitator.png"), full_page=True)
    facilitator.click("#presenter")
    facilitator.wait_for_selector("#leave_presenter", timeout=10_000)
    facilitator.wait_for_timeout(1500)
    assert not facilitator.locator("#open").is_visible()  # the sidebar is hidden
    headline = facilitator.locator("#code").bounding_box()
    chart = facilitator.locator("#side_by_side img").bounding_box()
    assert headline is not None and chart is not None
    assert headline["y"] + headline["height"] < 200 and chart["y"] < 1080 * 0.75  # both on the first screen
    facilitator.screenshot(path=str(shots / "app-presenter.png"))
    facilitator.click("#leave_presenter")
    with facilitator.expect_download() as download:
        facilitator.click("#export_csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {row["table"] for row in rows} == {"Blue", "Red", "$$ Makers"}
    assert {row["up_front"] for row in rows} == {"30000.0", "90000.0"}
    with facilitator.expect_download() as download:
        facilitator.click("#export_attempts")
    attempts = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [a["outcome"] for a in attempts if a["table"] == "Red"] == ["refused", "ran"]
    with facilitator.expect_download() as download:
        facilitator.click("#export_handouts")
    handouts = tmp_path / "handouts.html"
    handouts.write_text(Path(download.value.path()).read_text())
    printed = browser.new_page(viewport={"width": 1000, "height": 1300})
    printed.goto(handouts.as_uri())
    assert printed.locator("section.handout").count() == 3
    assert "60.0%, NPV 50,000 EUR" in printed.inner_text("body")
    printed.screenshot(path=str(shots / "app-handout.png"))


def test_a_malformed_upload_shows_its_error_and_the_server_carries_on(server, browser, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((SCENARIOS / "stall-demo.yaml").read_text().replace("accuracy: 0.88", "accuracy: 1.7"))
    page = browser.new_page()
    page.goto(server[0])
    page.wait_for_selector("#upload")
    page.set_input_files("#upload", str(bad))
    assert "1.7" in _text(page, "#error", "accuracy")
    huge = tmp_path / "huge.yaml"  # a valid file too big to run: refused as the command line refuses it
    huge.write_text((SCENARIOS / "stall-demo.yaml").read_text().replace("name: stall-demo", "name: huge", 1))
    huge.write_text(huge.read_text().replace("arrival_rate: 80 ", "arrival_rate: 80000 ", 1))
    page.set_input_files("#upload", str(huge))
    assert "huge.yaml: too big for the app: about 29,120,000 cases" in _text(page, "#error", "too big")
    other = browser.new_page()
    other.goto(server[0])
    _ready(other)
    other.click("#run")
    assert _text(other, "#headline", "retention").startswith("retention")


def test_twenty_people_change_a_lever_at_once_and_every_one_gets_an_answer(server, browser):
    toggles = [("integration_point", "embedded"), ("process_owner", "with"), ("monitoring", "with")]
    toggles += [("accountability", "with"), ("go_live", "with")]
    contexts = [browser.new_context() for _ in range(4)]
    pages = [contexts[i % 4].new_page() for i in range(20)]
    for page in pages:
        page.goto(server[0])
    for i, page in enumerate(pages):
        _ready(page)
        _text(page, "#headline", "retention")  # the starting design's answer, on load
        lever, option = toggles[i % len(toggles)]
        page.select_option(f"#lever_{lever}", option)
        _text(page, "#headline", "out of date")
    started = time.perf_counter()
    for page in pages:  # a page event, not Playwright's click: that waits for each background tab to paint
        page.evaluate("document.querySelector('#run').click()")
    for page in pages:  # the new answer, not the first one the page showed on load (that one is now out of date)
        page.wait_for_function(
            "(t => t.includes('retention') && !t.includes('out of date'))"
            "(document.querySelector('#headline').innerText)",
            timeout=ANSWER_MS,
        )
    answers = [page.inner_text("#headline") for page in pages]
    took = time.perf_counter() - started
    print(f"20 sessions answered in {took:.1f} s")
    assert all(answer.startswith("retention") for answer in answers)
    assert all(page.inner_text("#error") == "" for page in pages)
    for i, answer in enumerate(answers):  # the same lever gives the same answer to everyone who asked
        assert answer.split(" · ")[:3] == answers[i % len(toggles)].split(" · ")[:3]
    assert server[1].poll() is None, "the server stopped"
    assert took < ANSWER_MS / 1000
    for context in contexts:
        context.close()


def test_a_table_cannot_reopen_reveal_or_export_the_facilitators_workshop(server, browser):
    facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
    code = _open_workshop(facilitator, server[0])
    facilitator.wait_for_selector("#reveal", state="attached", timeout=30_000)
    table = browser.new_context().new_page()  # a participant who read the code off the projector
    table.goto(server[0])
    table.click("text=facilitate")
    assert table.locator("#reveal").count() == 0 and table.locator("#export_csv").count() == 0
    table.fill("#reopen_code", code)
    table.click("#reopen")
    assert "not its facilitator key" in _text(table, "#facilitator_error", "key")
    table.fill("#reopen_key", "GUESSGUESS")
    table.click("#reopen")
    table.wait_for_timeout(1000)
    assert table.locator("#reveal").count() == 0 and table.locator("#export_csv").count() == 0
    assert "Open a workshop" in table.inner_text("#code")
    link = facilitator.locator("#facilitator_link").get_attribute("href")
    assert link is not None and f"workshop={code}" in link
    assert link.split("key=")[1] not in facilitator.inner_text("#code")  # the projected line never shows the key


def test_a_restart_mid_workshop_resumes_it_from_the_facilitators_link(browser, tmp_path: Path):
    port, state = _free_port(), tmp_path / "app.sqlite"
    process = _start(port, state)
    address = f"http://127.0.0.1:{port}"
    try:
        facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
        code = _open_workshop(facilitator, address)
        facilitator.wait_for_selector("#facilitator_link", state="attached", timeout=30_000)
        link = facilitator.locator("#facilitator_link").get_attribute("href")
        table = browser.new_context().new_page()
        table.goto(address)
        table.click("text=join a workshop")
        table.fill("#join_code", code)
        table.fill("#join_table", "Blue")
        table.click("#join")
        key = _text(table, "#table_status", "key ").split("key ")[1].split(",")[0]
        _text(facilitator, "#code", "1 tables")
    finally:
        process.terminate()
        process.wait(10)
    process = _start(port, state)  # at once, on the same port
    try:
        assert process.poll() is None, "an immediate restart on the same port failed"
        resumed = browser.new_page(viewport={"width": 1400, "height": 1000})
        resumed.goto(link)  # and the facilitator's link opens it anywhere
        assert f"code {code}" in _text(resumed, "#code", "1 tables")
        assert "Blue" in _text(resumed, "#board", "Blue")
        rejoined = browser.new_context().new_page()
        rejoined.goto(address)
        rejoined.click("text=join a workshop")
        rejoined.fill("#join_code", code)
        rejoined.fill("#join_table", "Blue")
        rejoined.fill("#join_key", key)
        rejoined.click("#join")
        assert f"table Blue (key {key}" in _text(rejoined, "#table_status", "table Blue")
    finally:
        for page in browser.contexts[0].pages if browser.contexts else []:
            page.close()  # open websockets would hold the server's graceful shutdown
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
