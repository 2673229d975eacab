"""The HTML report in a real browser (headless Chromium through chromedriver): at a phone width
(390 px) and a desktop width (1400 px) nothing overflows the page horizontally, every figure is
loaded and decoded, and the browser logs no error. ``make test`` installs Chromium when absent
(.ci/install-chromium)."""

import os
import shutil
from pathlib import Path

import pytest

import learndyn

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOTS = os.environ.get("LEARNDYN_SCREENSHOTS")  # a folder to keep the screenshots in (docs/screenshots)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report of a small grid run (two learning rates × 2 seeds): a wide headline table."""
    out = tmp_path_factory.mktemp("report") / "run"
    spec = learndyn.resolve_spec("integrate-leaky", ["model.n=12", "train.steps=40", "record.points=8",
                                                     "record.snapshots=2"], seeds=2)
    spec = spec.model_copy(update={"grid": {"train.lr": [0.01, 0.02]}})
    learndyn.run(spec, out)
    return out / "report.html"


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM and CHROMEDRIVER, ("Chromium and chromedriver are needed (Debian: apt-get install chromium "
                                       "chromium-driver; `make test` installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--hide-scrollbars"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("width", [390, 1400])
def test_report_fits_the_screen_loads_every_figure_and_logs_no_error(report, browser, width):
    browser.set_window_size(width, 900)
    browser.get_log("browser")  # drop anything from before this page
    browser.get(report.as_uri())
    inner = browser.execute_script("return window.innerWidth")
    assert abs(inner - width) <= 20, f"window is {inner} px wide, asked for {width}"
    scroll, client = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"horizontal overflow at {width} px: scrollWidth {scroll} > clientWidth {client}"
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().right])")
    assert len(images) == len(list((report.parent / "figures").glob("*.png"))) >= 3
    for complete, natural, right in images:
        assert complete and natural > 0  # loaded and decoded
        assert right <= client + 0.5  # scaled into the column
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(width, min(height, 4000))
        browser.save_screenshot(str(Path(SCREENSHOTS) / f"report_{width}px.png"))
