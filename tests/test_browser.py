"""Headless Chromium (Debian's /usr/bin/chromium driven by Playwright): start `python app.py`, measure the
first paint, then in every tab at both projector sizes: bad inputs answered with their sentence, a first
mouse stroke that draws, every button answered, outputs and captions inside their boxes, a screenshot."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import xmgan
from conftest import ROOT

CHROMIUM = os.environ.get("XMGAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_MISSING = "" if shutil.which(CHROMIUM) else (
    f"The browser test needs Chromium and {CHROMIUM} is missing: install Debian's chromium "
    f"(sudo apt-get install chromium; `./run test` does it when run as root) or set XMGAN_CHROMIUM to one.")
if CHROMIUM_MISSING and os.environ.get("XMGAN_REQUIRE_BROWSER") != "1":
    pytest.skip(CHROMIUM_MISSING, allow_module_level=True)


def test_chromium_is_installed():
    """Without Chromium this test fails with the sentence above, the other browser tests are skipped
    (tests/conftest.py), and every other test of the suite still runs (./run test sets XMGAN_REQUIRE_BROWSER)."""
    if CHROMIUM_MISSING:
        pytest.fail(CHROMIUM_MISSING, pytrace=False)

FIRST_PAINT_GOAL_S = 4.0  # issue 12, on this 2-core machine
STARTUP = {}  # seconds after `python app.py` started: when its server first answered


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(browser):
    """`python app.py`, started once the browser is open, as a visitor's is: the first paint measures the
    app's start and the page's load, not Chromium's own start."""
    port = free_port()
    env = {**os.environ, "XMGAN_PORT": str(port)}
    started = time.time()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.time() - started > 90:
                proc.kill()
                raise RuntimeError("app.py did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    STARTUP["server_answered_s"] = time.time() - started
    yield url, started
    proc.terminate()
    proc.wait(10)


VIEWPORTS = [(1366, 768), (1920, 1080)]  # a classroom projector's usual resolutions
BAD_INPUT_GOAL_S = 2.0  # a bad input is answered within this (slack below for a loaded CI machine)
ARTEFACTS = ROOT / "tests" / "artefacts"  # one screenshot per tab and viewport (gitignored)


def open_page(browser, server, viewport):
    url, _ = server
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.goto(url)
    page.get_by_text("xmgan — cross-domain").wait_for(timeout=60000)
    return page


@pytest.fixture(scope="module")
def page(browser, server):
    page = open_page(browser, server, VIEWPORTS[0])
    page.first_paint_s = time.time() - server[1]
    yield page
    page.close()


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    """Files a visitor might pick by mistake: text named .png / .wav, a 7000x7000 picture, a 50 ms sound,
    sounds longer than the models take."""
    import numpy as np
    import soundfile as sf
    from PIL import Image

    d = tmp_path_factory.mktemp("bad")
    (d / "notes.png").write_text("this is a text file, not a picture")
    (d / "notes.wav").write_text("this is a text file, not a sound")
    Image.new("L", (7000, 7000), 255).save(d / "huge.png")
    t = np.arange(int(16000 * 0.05)) / 16000
    sf.write(d / "short.wav", 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    t = np.arange(16000 * 31) / 16000
    sf.write(d / "long.wav", 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    return d


def test_first_paint_is_quick(page):
    print(f"first paint {page.first_paint_s:.1f} s after `python app.py` started "
          f"(its server answered after {STARTUP['server_answered_s']:.1f} s)")
    assert page.first_paint_s <= FIRST_PAINT_GOAL_S * 3  # slack for a machine shared with trainings


# Every output image and caption inside its own box, every caption shown in full (not cut by an ellipsis).
OUT_OF_BOX = """(panel) => {
  const bad = [];
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  for (const block of panel.querySelectorAll('.xm-gallery, .xm-image')) {
    const box = block.getBoundingClientRect();
    const label = block.querySelector('[data-testid="block-label"]');
    for (const el of block.querySelectorAll('img, .caption-label')) {
      const r = el.getBoundingClientRect();
      const what = (el.innerText || el.getAttribute('src') || '').slice(0, 60);
      if (r.width < 1 || r.height < 1) continue;
      if (!inside(r, box)) bad.push(`outside its box: ${what}`);
      if (el.classList.contains('caption-label') && el.scrollWidth > el.clientWidth + 1) bad.push(`caption cut: ${what}`);
      if (el.tagName === 'IMG' && label && label.getBoundingClientRect().bottom > r.top + 2 &&
          label.getBoundingClientRect().right > r.left + 2 && label.getBoundingClientRect().left < r.right - 2)
        bad.push(`label covers the image: ${what}`);
      if (el.tagName === 'IMG' && block.classList.contains('xm-image') && r.width < Math.min(300, box.width * 0.5))
        bad.push(`image shown small (${Math.round(r.width)} px wide in a ${Math.round(box.width)} px box)`);
    }
  }
  return bad;
}"""


# How often a text shows in the error messages now on screen (Gradio groups repeated errors in one toast).
MESSAGE_COUNT = """(t) => [...document.querySelectorAll('.toast-body')].map(e => e.innerText.split(t).length - 1)
  .reduce((a, b) => a + b, 0)"""


def expect_message(page, text: str, before: int | None = None, started: float | None = None) -> float:
    """Seconds until one more error message containing `text` shows than `before`."""
    before = page.evaluate(MESSAGE_COUNT, text) if before is None else before
    started = started or time.time()
    page.wait_for_function(f"([t, n]) => ({MESSAGE_COUNT})(t) > n", arg=[text, before], timeout=30000)
    return time.time() - started


def click_and_expect_message(page, button, text: str) -> float:
    before, started = page.evaluate(MESSAGE_COUNT, text), time.time()
    button.click()
    return expect_message(page, text, before, started)


def output_images(panel) -> int:
    return panel.locator(".xm-gallery img, .xm-image img").count()


def run_action(page, panel, model_id, action, label=None):
    """Press the action's button; wait for its images (and sound); raise with the messages if none come."""
    button = panel.get_by_role("button", name=action.label, exact=True)
    wavs = panel.locator("a[download][href*='.wav']").count()
    outputs = f"#tab-{model_id} .xm-gallery img, #tab-{model_id} .xm-image img"
    # mark the pictures on screen now: an answer is a picture that was not there before the click
    page.evaluate("(sel) => document.querySelectorAll(sel).forEach(e => { e.dataset.seen = e.src; })", outputs)
    button.click()
    try:
        page.wait_for_function("(sel) => [...document.querySelectorAll(sel)].some(e => e.dataset.seen !== e.src)",
                               arg=outputs, timeout=60000)
        if "audio" in action.outputs:  # the sound arrives as a wav to play and download
            page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n",
                                   arg=[f"#tab-{model_id} a[download][href*='.wav']", wavs], timeout=60000)
    except Exception:
        page.screenshot(path=str(ARTEFACTS / f"failed-{model_id}-{action.method}.png"))
        raise AssertionError(f"{model_id}: no output after '{action.label}' ({label}); "
                             f"messages: {page.locator('.toast-body').all_inner_texts()}")
    page.wait_for_timeout(300)  # images laid out


def draw_stroke(page, panel):
    """One mouse stroke across the middle of the canvas: a '1' with a foot."""
    canvas = panel.locator(".xm-canvas canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 20, y - 70)
    page.mouse.down()
    page.mouse.move(x, y - 90, steps=6)
    page.mouse.move(x, y + 80, steps=12)
    page.mouse.move(x + 40, y + 80, steps=6)
    page.mouse.up()


def clear_audio(panel):
    clear = panel.get_by_role("button", name="Clear", exact=True).first  # the sound's, not "Clear canvas"
    if clear.count() and clear.is_visible():
        clear.click()
        panel.page.wait_for_timeout(300)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=[f"{w}x{h}" for w, h in VIEWPORTS])
@pytest.mark.parametrize("model_id", xmgan.list_models())
def test_every_tab_on_a_projector(browser, server, bad_files, model_id, viewport):
    """Each tab at a projector's size: bad inputs get their sentence quickly, a first mouse stroke draws,
    every button answers, outputs and captions fit their boxes; one screenshot per tab as an artefact."""
    ARTEFACTS.mkdir(exist_ok=True)
    spec = xmgan.get_spec(model_id)
    page = open_page(browser, server, viewport)
    try:
        page.get_by_role("tab", name=spec.tab, exact=True).click()
        panel = page.locator(f"#tab-{model_id}")
        panel.wait_for(state="visible")
        timings, problems = {}, []
        for action in spec.actions:
            button = panel.get_by_role("button", name=action.label, exact=True)
            if "image" in action.inputs:
                if "stroke" not in timings:  # on the fresh page: no click on the Brush, the canvas is ready
                    started, others = time.time(), output_images(panel)  # other buttons' outputs
                    draw_stroke(page, panel)
                    run_action(page, panel, model_id, action, "a first mouse stroke")
                    timings["stroke"] = time.time() - started
                    assert output_images(panel) > others
                    # an error empties the outputs: no stale answer stays under the message
                    panel.locator(".xm-canvas").get_by_role("button", name="Clear canvas").click()
                    timings["empty canvas"] = click_and_expect_message(page, button, "canvas is empty")
                    assert output_images(panel) == others, "the last answer stayed on screen under the error"
                upload = panel.locator("input[type=file][data-testid$='-upload-button']").first
                for name, text in (("notes.png", "not an image this app can read"),
                                   ("huge.png", "under 6000x6000")):
                    before, started = page.evaluate(MESSAGE_COUNT, text), time.time()
                    upload.set_input_files(str(bad_files / name))
                    timings[name] = expect_message(page, text, before, started)
                panel.locator(f"#examples-{model_id}-image button.gallery-item").first.click()
                page.wait_for_timeout(1000)
            if "audio" in action.inputs:
                clear_audio(panel)
                too_long = "long; please keep it under"
                for name, text in (("notes.wav", "not an audio file this app can read"),
                                   ("short.wav", "ms long; please record at least"), ("long.wav", too_long)):
                    panel.locator("input[type=file][accept*='audio']").first.set_input_files(str(bad_files / name))
                    page.wait_for_timeout(800)
                    timings[name] = click_and_expect_message(page, button, text)
                    clear_audio(panel)
                panel.locator(f"#examples-{model_id}-audio button.gallery-item").first.click()
                page.wait_for_timeout(1500)
            run_action(page, panel, model_id, action, "an example")
            problems += [f"{action.label}: {p}" for p in panel.evaluate(OUT_OF_BOX)]
        page.evaluate("() => document.querySelectorAll('.toast-close').forEach(b => b.click())")  # messages read
        page.wait_for_timeout(800)
        panel.screenshot(path=str(ARTEFACTS / f"{model_id}-{viewport[0]}x{viewport[1]}.png"))
        print(model_id, viewport, {k: round(v, 2) for k, v in timings.items()})
        assert not problems, problems
        slow = {k: v for k, v in timings.items() if k != "stroke" and v > BAD_INPUT_GOAL_S * 1.5}
        assert not slow, f"bad input answered after more than {BAD_INPUT_GOAL_S} s (+50% slack): {slow}"
        assert "Metrics" in panel.inner_text()
    finally:
        page.close()


def test_live_tab_trains_and_its_grid_changes(browser, server):
    """The live tab: Start trains on the server, the sample grid changes within seconds, the plots draw;
    Reset frees the server for the next visitor."""
    ARTEFACTS.mkdir(exist_ok=True)
    page = open_page(browser, server, VIEWPORTS[0])
    try:
        page.get_by_role("tab", name="Train live", exact=True).click()
        panel = page.locator("#tab-live")
        panel.get_by_role("button", name="Start", exact=True).click()
        grid, seen, started = page.locator("#live-grid img"), [], time.time()
        while len(seen) < 3 and time.time() - started < 30:
            src = grid.first.get_attribute("src") if grid.count() else None
            if src and (not seen or src != seen[-1]):
                seen.append(src)
            page.wait_for_timeout(250)
        assert len(seen) >= 3, f"the grid changed {len(seen) - 1} times in 30 s"
        assert "step" in page.locator("#live-status").inner_text()
        page.wait_for_function("() => document.querySelectorAll('#live-curves img').length > 0",
                               timeout=10000)
        problems = panel.evaluate(OUT_OF_BOX)
        panel.screenshot(path=str(ARTEFACTS / "live-1366x768.png"))
        panel.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_function("() => document.querySelector('#live-status').innerText.includes('Press Start')",
                               timeout=10000)
        assert not problems, problems
    finally:
        page.close()


def test_compare_tab_answers_a_first_stroke(browser, server):
    """The Compare tab: a first mouse stroke through every translator, one tile per route with its caption."""
    page = open_page(browser, server, VIEWPORTS[0])
    try:
        page.get_by_role("tab", name="Compare", exact=True).click()
        panel = page.locator("#tab-compare")
        draw_stroke(page, panel)
        panel.get_by_role("button", name="Compare every translator", exact=True).click()
        page.wait_for_function("() => document.querySelectorAll('#tab-compare .xm-gallery img').length >= 12",
                               timeout=60000)
        captions = panel.locator(".xm-gallery .caption-label").all_inner_texts()
        assert sum("measured:" in c for c in captions) == 11, captions
        problems = panel.evaluate(OUT_OF_BOX)
        panel.screenshot(path=str(ARTEFACTS / "compare-1366x768.png"))
        assert not problems, problems
    finally:
        page.close()
