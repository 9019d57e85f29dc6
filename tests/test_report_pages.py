"""The report as its reader sees it, in Chromium: at 1280 px nothing scrolls sideways, no text runs out of its box,
no image is wider than the page; printed, the first page (the answer, one figure, one table) fits one A4 page.

Screenshots go to ``SCALESIM_SCREENSHOTS`` when set (the closing notes' pictures are made this way)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import scalesim

from conftest import CHROMIUM, SCENARIOS, tiny

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no system chromium")]
A4_TEXT = (182, 269)  # millimetres inside the print stylesheet's 14 mm margins
PX_PER_MM = 96 / 25.4

OVERFLOWING = """() => {
  const out = [];
  for (const el of document.querySelectorAll('p, h1, h2, h3, td, th, summary, .note')) {
    if (el.closest('details:not([open])') || el.closest('.scroll')) continue;   // folded away, or scrolls itself
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + ': ' + el.textContent.slice(0, 60));
  }
  const page = document.body.getBoundingClientRect().width;
  for (const img of document.querySelectorAll('img')) {
    if (!img.complete || img.naturalWidth === 0) out.push('broken image ' + img.alt);
    if (img.getBoundingClientRect().width > page + 1) out.push('image wider than the page: ' + img.alt);
  }
  return out;
}"""


def _folders(out: Path) -> dict[str, Path]:
    claims = SCENARIOS / "claims-triage.yaml"
    run = scalesim.write_run(scalesim.run(claims, days=30), out, ledger=False, report=True)
    compare = scalesim.compare(SCENARIOS / "stall-demo.yaml", days=60, replications=2, out=out, jobs=1, report=True)
    grid = {"production.teams.adjusters.staff": [12, 16]}
    sweep = scalesim.sweep(claims, grid, days=20, replications=2, out=out, jobs=1, report=True)
    noisy = tiny("value.uplift={dist: lognormal, mean: 10, cv: 1}", "designs.plain.costs={recurring_per_year: 2000}")
    even = scalesim.breakeven(noisy, "plain", "value.uplift.mean", span=(0.5, 30.0), out=out, jobs=1, report=True)
    return {"run": run, "compare": compare.folder, "sweep": sweep.folder, "breakeven": even.experiment.folder}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return _folders(tmp_path_factory.mktemp("reports"))


@pytest.mark.parametrize("kind", ["run", "compare", "sweep", "breakeven"])
def test_the_report_reads_at_1280_px_and_its_first_page_prints_on_one(kind, reports, browser, tmp_path):
    shots = Path(os.environ.get("SCALESIM_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((reports[kind] / "report.html").as_uri())
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= client, "nothing scrolls sideways"
    assert page.evaluate(OVERFLOWING) == []
    page.screenshot(path=str(shots / f"report-{kind}-1280.png"))
    printed = browser.new_page(viewport={"width": round(A4_TEXT[0] * PX_PER_MM), "height": 1100})
    printed.goto((reports[kind] / "report.html").as_uri())
    printed.emulate_media(media="print")
    height = printed.evaluate("document.querySelector('.first-page').getBoundingClientRect().height")
    assert height <= A4_TEXT[1] * PX_PER_MM, f"the first page is {height / PX_PER_MM:.0f} mm tall"
    assert printed.evaluate("getComputedStyle(document.querySelector('details')).display") == "none"
    printed.pdf(path=str(shots / f"report-{kind}.pdf"), format="A4")
    page.close()
    printed.close()
