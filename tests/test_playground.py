"""The playground page, end to end in a real headless Chromium (Debian's chromium + chromedriver)."""

import shutil

import pytest

from test_local_server import server  # noqa: F401  (the `make run` server, as a fixture)

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (make test installs them as root)"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}", "--window-size=1400,900",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def run(browser, process: str) -> str:
    """Type a process string, press Run, and return the result's caption once it changed."""
    from selenium.webdriver.support.ui import WebDriverWait

    meta = browser.find_element("id", "result-meta")
    before = meta.get_attribute("data-done")
    field = browser.find_element("id", "process")
    field.clear()
    field.send_keys(process)
    browser.find_element("id", "run").click()
    WebDriverWait(browser, 20).until(lambda d: meta.get_attribute("data-done") not in (None, before))
    return meta.text


def test_the_playground_end_to_end(server, browser):  # noqa: F811
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server + "/")
    WebDriverWait(browser, 20).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
    WebDriverWait(browser, 20).until(lambda d: d.find_element("id", "result-meta").get_attribute("data-done"))
    keys = [o.text for o in Select(browser.find_element("id", "key")).options]
    assert "example.jpg" in keys and "f.jpg" in keys and not any(k.startswith("_styles/") for k in keys)
    assert browser.find_element("id", "original-meta").text.startswith("400×267 · image/jpeg · 21,839 bytes")

    assert run(browser, "image/resize,w_100/format,png").startswith("100×67 · image/png ·")
    error = run(browser, "image/resize,w_0")
    assert error == "400 InvalidArgument (0040-00000312): The value: 0 of parameter: w is invalid."
    assert "error" in browser.find_element("id", "result-meta").get_attribute("class")

    Select(browser.find_element("id", "key")).select_by_visible_text("f.jpg")
    assert run(browser, "image/resize,w_100").startswith("100×127 · image/jpeg")
    run(browser, "image/info")
    assert '"Orientation": {' in browser.find_element("id", "json").text.replace("\n", "")

    browser.find_element("id", "process").clear()
    browser.find_element("id", "process").send_keys("image/resize,w_50")
    next(b for b in browser.find_elements("css selector", "aside button") if b.text == "rotate").click()
    assert browser.find_element("id", "process").get_attribute("value") == "image/resize,w_50/rotate,"
    hints = browser.find_element("id", "actions").text
    assert "r_ (1..50, required)" in hints and "watermark" in hints  # generated from the declarations
