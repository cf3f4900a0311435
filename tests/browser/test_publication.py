"""The published report as a reader meets it: the HTML dashboard in headless Chromium driven by
Selenium (Debian's chromium and chromium-driver), and report.pdf read back with poppler.

Two real runs of legion-bench (different suites' worth of settings: two systems, three scenarios,
zero and realistic latency) are combined with `legion-bench report DIR1 DIR2 --out DIR`; the tests
read that combined report and one run's own report. Screenshots of the dashboard and of the PDF's
first two pages land in $LEGION_ARTIFACTS (default: the test's work folder).

    LEGION_BENCH=build/bench/legion-bench LEGION_WORK=/tmp/pub .venvs/browser-tests/bin/python -m pytest tests/browser

The same code takes the screenshots of a committed report (docs/archive/coordination-report-2026-11-23/):

    .venvs/browser-tests/bin/python tests/browser/test_publication.py --screenshots docs/archive/coordination-report-2026-11-23
"""
import html.parser
import os
import pathlib
import shutil
import subprocess

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

BENCH = os.environ.get("LEGION_BENCH", "build/bench/legion-bench")
WORK = pathlib.Path(os.environ.get("LEGION_WORK", "/tmp/legion-publication"))
ARTIFACTS = pathlib.Path(os.environ.get("LEGION_ARTIFACTS", WORK / "artifacts"))
SYSTEMS = ["native", "native@twin"]  # two workers, so that systems can be told apart and toggled
SCENARIOS = ["single-tool", "sequential-pipeline", "consensus-vote"]


def run(*args):
    done = subprocess.run([BENCH, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def reports():
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    scenarios = [a for s in SCENARIOS for a in ("--scenario", s)]
    run("--systems", ",".join(SYSTEMS), *scenarios, "-n", "5", "--warmup", "1", "--out", str(WORK / "zero"), "-q")
    run("--systems", ",".join(SYSTEMS), *scenarios[:4], "-n", "5", "--warmup", "1", "--latency", "realistic",
        "--out", str(WORK / "realistic"), "-q")
    out = run("report", str(WORK / "zero"), str(WORK / "realistic"), "--out", str(WORK / "combined"))
    assert "Wrote BENCHMARK_REPORT.md, report.html and report.pdf" in out, out
    return WORK


class Headers(html.parser.HTMLParser):
    """The text of every table header of the page, outside the screen-only appendix."""

    def __init__(self):
        super().__init__()
        self.headers, self.depth, self.skip, self.text = [], 0, 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.depth += 1
            if "screen-only" in (attrs.get("class") or "") and not self.skip:
                self.skip = self.depth
        if tag == "th" and not self.skip:
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "th" and self.text is not None:
            self.headers.append(" ".join(self.text.split()))
            self.text = None
        if tag == "section":
            if self.skip == self.depth:
                self.skip = 0
            self.depth -= 1

    def handle_data(self, data):
        if self.text is not None:
            self.text += data


def pdf_text(pdf, page=None):
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-raw", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text):
    return "".join(text.split())


@pytest.mark.parametrize("folder", ["combined", "zero"])
def test_every_table_header_of_the_pdf_is_on_its_page_and_no_page_is_blank(reports, folder):
    page_html = (reports / folder / "report.html").read_text()
    parser = Headers()
    parser.feed(page_html)
    assert len(parser.headers) > 30, parser.headers
    pdf = reports / folder / "report.pdf"
    text = squeeze(pdf_text(pdf))
    missing = [h for h in dict.fromkeys(parser.headers) if squeeze(h) not in text]
    assert not missing, f"column headers cut from {pdf}: {missing}"
    pages = int(next(l for l in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
                     if l.startswith("Pages:")).split()[1])
    assert pages >= 3
    blank = [p for p in range(1, pages + 1) if not pdf_text(pdf, p).strip()]
    assert not blank, f"blank pages in {pdf}: {blank}"


def test_the_pdf_reads_like_a_paper(reports):
    text = pdf_text(reports / "combined" / "report.pdf")
    for part in ["Abstract", "1 Introduction", "2 Method", "3 Results", "4 Published numbers", "5 Threats to validity",
                 "6 Reproduction", "References", "Figure 1.", "Table 1.", "Fastest:"]:
        assert part in text, part
    for shot in pdf_screenshots(reports / "combined" / "report.pdf", ARTIFACTS):
        assert shot.stat().st_size > 10_000


def pdf_screenshots(pdf, into):
    """The first two pages as images."""
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(into / "report-pdf-page")], check=True)
    return [next(into.glob(f"report-pdf-page-*{n}.png")) for n in (1, 2)]


def dashboard_screenshot(driver, page, into):
    driver.get(page.as_uri())
    shot = into / "dashboard.png"
    assert driver.get_screenshot_as_file(str(shot))
    return shot


def chrome(javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("LEGION_CHROMIUM", "/usr/bin/chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1280,1600"]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(options=options, service=Service(os.environ.get("LEGION_CHROMEDRIVER", "/usr/bin/chromedriver")))


@pytest.fixture
def browser():
    driver = chrome()
    yield driver
    driver.quit()


def visible_rows(driver, table):
    return [r for r in table.find_elements(By.CSS_SELECTOR, "tbody tr") if r.is_displayed()]


def test_the_dashboard_filters_by_scenario_and_suite(reports, browser):
    browser.get((reports / "combined" / "report.html").as_uri())
    assert browser.find_element(By.ID, "controls").is_displayed()
    wall = browser.find_element(By.CSS_SELECTOR, "table.data[data-metric=wall][data-suite=run1]")
    assert len(visible_rows(browser, wall)) == len(SCENARIOS) * len(SYSTEMS)

    Select(browser.find_element(By.ID, "filter-scenario")).select_by_value("consensus-vote")
    rows = visible_rows(browser, wall)
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == ["consensus-vote"] * len(SYSTEMS)
    marks = [m for m in browser.find_elements(By.CSS_SELECTOR, "svg [data-scenario]") if m.is_displayed()]
    assert marks and all(m.get_attribute("data-scenario") == "consensus-vote" for m in marks)

    Select(browser.find_element(By.ID, "filter-scenario")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-suite")).select_by_value("run2")
    assert not wall.is_displayed()
    realistic = browser.find_element(By.CSS_SELECTOR, "table.data[data-metric=wall][data-suite=run2]")
    assert len(visible_rows(browser, realistic)) == 2 * len(SYSTEMS)

    Select(browser.find_element(By.ID, "filter-suite")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-metric")).select_by_value("tokens")
    shown = {t.get_attribute("data-metric") for t in browser.find_elements(By.CSS_SELECTOR, "table.data") if t.is_displayed()}
    assert shown == {"tokens"}


def test_a_system_toggled_off_leaves_every_chart_and_table(reports, browser):
    browser.get((reports / "combined" / "report.html").as_uri())
    twin = browser.find_element(By.CSS_SELECTOR, "#introduction [data-toggle-system='native@twin']")
    twin.click()
    assert twin.get_attribute("aria-pressed") == "false"
    assert not [e for e in browser.find_elements(By.CSS_SELECTOR, "[data-system='native@twin']") if e.is_displayed()]
    assert [e for e in browser.find_elements(By.CSS_SELECTOR, "svg [data-system='native']") if e.is_displayed()]
    twin.click()
    assert [e for e in browser.find_elements(By.CSS_SELECTOR, "svg [data-system='native@twin']") if e.is_displayed()]


def test_sorting_a_column_orders_rows_by_value(reports, browser):
    browser.get((reports / "combined" / "report.html").as_uri())
    table = browser.find_element(By.CSS_SELECTOR, "table.data[data-metric=tokens][data-suite=run1]")
    header = table.find_elements(By.CSS_SELECTOR, "thead th button")[3]  # prompt tokens
    assert header.text == "prompt tokens"
    header.click()
    values = [float(r.find_elements(By.TAG_NAME, "td")[3].get_attribute("data-value")) for r in visible_rows(browser, table)]
    assert values == sorted(values) and values[0] < values[-1]
    header.click()
    values = [float(r.find_elements(By.TAG_NAME, "td")[3].get_attribute("data-value")) for r in visible_rows(browser, table)]
    assert values == sorted(values, reverse=True)


def test_hover_shows_the_exact_value_with_its_interval_and_n_and_links_to_the_records(reports, browser):
    browser.get((reports / "combined" / "report.html").as_uri())
    mark = browser.find_element(By.CSS_SELECTOR, "svg[data-chart=intervals] .mark")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
    ActionChains(browser).move_to_element(mark).perform()
    tip = browser.find_element(By.ID, "tip")
    assert tip.is_displayed()
    assert "median" in tip.text and "95% interval" in tip.text and "n = 5" in tip.text, tip.text
    link = mark.find_element(By.XPATH, "./ancestor::*[local-name()='a'][1]").get_dom_attribute("href")
    assert link.startswith("#")
    target = link[1:]
    records = browser.find_element(By.ID, target)
    assert len(records.find_elements(By.TAG_NAME, "tr")) == 5


def test_charts_have_size_and_the_screenshot_is_not_empty(reports, browser):
    browser.get((reports / "combined" / "report.html").as_uri())
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) >= 6
    for chart in charts:
        assert chart.size["width"] > 300 and chart.size["height"] > 50, chart.get_attribute("data-chart")
    assert dashboard_screenshot(browser, reports / "combined" / "report.html", ARTIFACTS).stat().st_size > 20_000


def test_without_scripts_everything_is_shown_and_no_control_is(reports):
    driver = chrome(javascript=False)
    try:
        driver.get((reports / "combined" / "report.html").as_uri())
        assert not driver.find_element(By.ID, "controls").is_displayed()
        rows = driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr")
        assert rows and all(r.is_displayed() for r in rows)
        assert driver.find_element(By.CSS_SELECTOR, "svg[data-chart=forest]").is_displayed()
    finally:
        driver.quit()


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3 or sys.argv[1] != "--screenshots":
        sys.exit("usage: test_publication.py --screenshots FOLDER (holding report.html and report.pdf)")
    folder = pathlib.Path(sys.argv[2]).resolve()
    pdf_screenshots(folder / "report.pdf", folder)
    driver = chrome()
    try:
        dashboard_screenshot(driver, folder / "report.html", folder)
    finally:
        driver.quit()
