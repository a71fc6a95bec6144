"""The playground page, end to end in a real headless Chromium (Debian's chromium + chromedriver)."""

import shutil

import pytest

from test_local_server import running, server  # noqa: F401  (the `make run` server, as fixtures)

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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # failed loads (a 404 favicon) land here
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


def ready(browser, base: str):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base + "/")
    WebDriverWait(browser, 20).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
    WebDriverWait(browser, 20).until(lambda d: d.find_element("id", "result-meta").get_attribute("data-done"))


def choose(browser, key: str) -> str:
    """Pick a sample (nothing else): the page re-runs by itself; the result's caption once it did."""
    from selenium.webdriver.support.ui import Select, WebDriverWait

    meta = browser.find_element("id", "result-meta")
    before = meta.get_attribute("data-done")
    Select(browser.find_element("id", "key")).select_by_visible_text(key)
    WebDriverWait(browser, 20).until(lambda d: meta.get_attribute("data-done") not in (None, before))
    return meta.text


def click_action(browser, name: str) -> str:
    next(b for b in browser.find_elements("css selector", "aside button") if b.text == name).click()
    return browser.find_element("id", "process").get_attribute("value")


def test_the_playground_end_to_end(server, browser):  # noqa: F811
    from selenium.webdriver.support.ui import Select

    ready(browser, server)
    keys = [o.text for o in Select(browser.find_element("id", "key")).options]
    assert "example.jpg" in keys and "f.jpg" in keys and not any(k.startswith("_styles/") for k in keys)
    assert browser.find_element("id", "original-meta").text.startswith("400×267 · image/jpeg · 21,839 bytes")

    assert run(browser, "image/resize,w_100/format,png").startswith("100×67 · image/png ·")
    error = run(browser, "image/resize,w_0")
    assert error == "400 InvalidArgument (0040-00000312): The value: 0 of parameter: w is invalid."
    assert "error" in browser.find_element("id", "result-meta").get_attribute("class")

    choose(browser, "f.jpg")  # the page runs again by itself: wait for that before the next run
    assert run(browser, "image/resize,w_100").startswith("100×127 · image/jpeg")
    run(browser, "image/info")
    assert '"Orientation": {' in browser.find_element("id", "json").text.replace("\n", "")

    browser.find_element("id", "process").clear()
    browser.find_element("id", "process").send_keys("image/resize,w_50")
    assert click_action(browser, "rotate") == "image/resize,w_50/rotate,"
    hints = browser.find_element("id", "actions").text
    assert "r_ (1..50, required)" in hints and "watermark" in hints  # generated from the declarations


def test_no_stale_result_image_after_an_error_or_json(server, browser):  # noqa: F811
    ready(browser, server)
    result = browser.find_element("id", "result")
    assert run(browser, "image/resize,w_80").startswith("80×53") and result.is_displayed()
    run(browser, "image/resize,w_0")
    assert not result.is_displayed()
    run(browser, "image/info")
    assert not result.is_displayed() and browser.find_element("id", "json").is_displayed()
    run(browser, "image/resize,w_80")
    assert result.is_displayed() and not browser.find_element("id", "json").is_displayed()


def test_the_process_box_shows_underscores_whole(server, browser):  # noqa: F811
    ready(browser, server)
    style = browser.execute_script(
        "const s = getComputedStyle(document.getElementById('process'));return [s.lineHeight, parseFloat(s.fontSize)];"
    )
    line_height, font_size = style
    assert line_height != "normal" and float(line_height.removesuffix("px")) >= 1.4 * font_size


@pytest.mark.parametrize("key", ["example.heic", "example.tiff"])
def test_formats_a_browser_cannot_show_get_a_preview(server, browser, key):  # noqa: F811
    ready(browser, server)
    caption = choose(browser, key)
    original = browser.find_element("id", "original-meta").text
    kind = "image/heic" if key.endswith("heic") else "image/tiff"
    assert original.startswith(f"400×267 · {kind} ·") and "a PNG preview" in original
    assert caption.startswith(f"300×200 · {kind} ·") and "a PNG preview" in caption  # the default string
    assert browser.execute_script("return document.getElementById('original').naturalWidth") == 400


def test_changing_the_sample_runs_again(server, browser):  # noqa: F811
    ready(browser, server)
    assert choose(browser, "f.jpg").startswith("300×382 · image/jpeg")
    upright = "333×424 · image/jpeg"  # the browser applies the EXIF orientation
    assert browser.find_element("id", "original-meta").text.startswith(upright)


def test_clicking_actions_builds_a_valid_chain(server, browser):  # noqa: F811
    ready(browser, server)
    field = browser.find_element("id", "process")
    field.clear()
    field.send_keys("image/resize,w_50")
    assert click_action(browser, "rotate") == "image/resize,w_50/rotate,"
    assert click_action(browser, "crop") == "image/resize,w_50/crop,"  # the unfinished rotate is replaced
    field.send_keys("w_10,")
    assert click_action(browser, "blur") == "image/resize,w_50/crop,w_10/blur,"
    assert click_action(browser, "info") == "image/info"  # info stands alone
    assert click_action(browser, "resize") == "image/info/resize,"


def test_the_page_loads_without_a_failed_request(server, browser):  # noqa: F811
    browser.get_log("browser")  # drop what earlier tests left
    ready(browser, server)
    choose(browser, "f.jpg")
    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == []


def test_a_browser_sees_the_transparency_of_a_bmp_result(server, browser):  # noqa: F811
    """circle's BMP output is transparent outside the disc in a real reader, not just in Pillow."""
    browser.get(server + "/")
    corner_and_centre = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const image = new Image();
        image.onload = () => {
          const canvas = document.createElement("canvas");
          canvas.width = image.naturalWidth;
          canvas.height = image.naturalHeight;
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          done([context.getImageData(0, 0, 1, 1).data[3], context.getImageData(50, 50, 1, 1).data[3]]);
        };
        image.onerror = () => done(null);
        image.src = "/example.jpg?x-oss-process=image/circle,r_50/format,bmp";
        """
    )
    assert corner_and_centre == [0, 255]
