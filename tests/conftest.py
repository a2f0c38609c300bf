"""Test settings: offline Hub, no analytics, tiny fixture datasets instead of ../shared/data."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DATA = ROOT / "tests" / "fixtures" / "data"

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["XMGAN_DATA"] = str(FIXTURE_DATA)  # printed.npz there: make_printed_digits.py --train 256 --test 128
os.environ["XMGAN_CACHE"] = str(ROOT / "tests" / ".cache")  # never a developer's rendered/downloaded data
os.environ.setdefault("OMP_NUM_THREADS", "2")
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture
def no_torchvision_download(monkeypatch):
    """Make the torchvision fallback fail at once, as it does offline."""
    from xmgan import data

    def refuse(*a, **k):
        raise OSError("network unreachable (test)")

    monkeypatch.setattr(data, "_torchvision", refuse)


def pytest_collection_modifyitems(config, items):
    """Without Chromium, tests/test_browser.py fails once (test_chromium_is_installed, with what to install)
    and its other tests are skipped before their fixtures start the app, rather than erroring one by one."""
    for item in items:
        module = getattr(item, "module", None)
        if getattr(module, "CHROMIUM_MISSING", "") and item.name != "test_chromium_is_installed":
            item.add_marker(pytest.mark.skip(reason="needs Chromium: see test_chromium_is_installed"))
