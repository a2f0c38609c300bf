"""Headless Chromium (Debian's /usr/bin/chromium driven by Playwright): start `python app.py`, measure the
first paint, visit every tab, press every button and see an image come back."""
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
if not shutil.which(CHROMIUM):
    if os.environ.get("XMGAN_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing; the README test command installs Debian's chromium")
    pytest.skip(f"browser test needs {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

FIRST_PAINT_GOAL_S = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
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
    yield url, started
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    url, started = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_text("xmgan — cross-domain").wait_for(timeout=30000)
        page.first_paint_s = time.time() - started
        yield page
        browser.close()


def test_first_paint_is_quick(page):
    print(f"first paint {page.first_paint_s:.1f} s after `python app.py` started")
    assert page.first_paint_s <= FIRST_PAINT_GOAL_S * 3  # goal 5 s on an idle machine; slack for loaded CI


@pytest.mark.parametrize("model_id", xmgan.list_models())
def test_every_tab_answers_every_button(page, model_id):
    spec = xmgan.get_spec(model_id)
    page.get_by_role("tab", name=spec.tab, exact=True).click()
    panel = page.locator(f"#tab-{model_id}")
    panel.wait_for(state="visible")
    for action in spec.actions:
        for media in ("image", "audio"):  # an input first: the first clickable example
            if media in action.inputs:
                panel.locator(f"#examples-{model_id}-{media} button.gallery-item").first.click()
                page.wait_for_timeout(1500)
        before = panel.locator("img").count()
        wavs = panel.locator("a[download][href*='.wav']").count()  # download links of sounds so far
        panel.get_by_role("button", name=action.label, exact=True).click()
        try:
            page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n",
                                   arg=[f"#tab-{model_id} img", before], timeout=60000)
        except Exception:
            page.screenshot(path=str(ROOT / f"browser-{model_id}-{action.method}.png"))
            toast = page.locator(".toast-body").all_inner_texts()  # a gr.Error shows here
            raise AssertionError(f"{model_id}: no image after '{action.label}'; messages: {toast}")
        if "audio" in action.outputs:  # the converted / generated sound arrives as a wav to play and download
            page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n",
                                   arg=[f"#tab-{model_id} a[download][href*='.wav']", wavs], timeout=60000)
    assert "Metrics" in panel.inner_text()


def test_empty_canvas_gets_a_message_not_a_crash(page):
    image_models = [m for m in xmgan.list_models() if "image" in xmgan.get_spec(m).inputs]
    if not image_models:
        pytest.skip("no model takes an image input")
    spec = xmgan.get_spec(image_models[0])
    page.reload()
    page.get_by_role("tab", name=spec.tab, exact=True).click()
    action = next(a for a in spec.actions if "image" in a.inputs)
    page.locator(f"#tab-{spec.id}").get_by_role("button", name=action.label, exact=True).click()
    toast = page.locator(".toast-body.error")
    toast.first.wait_for(timeout=30000)
    assert "canvas is empty" in toast.first.inner_text()
