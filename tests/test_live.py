"""xmgan.live and xmgan.live_train: the live-training tab's one-per-server controller and its trainer, on the
fixture MNIST."""
import time

import numpy as np
import pytest

from conftest import FIXTURE_DATA, ROOT
from xmgan import XmganError, live, live_train


@pytest.fixture(scope="module")
def mnist():
    return live.load_mnist()  # tests/fixtures/data/mnist.npz: 256 training digits


def test_steps_change_the_grid_and_record_the_history(mnist):
    t = live_train.Trainer(live.Settings(batch=16), *mnist)
    before = t.samples()
    for _ in range(3):
        t.step()
    after = t.samples()
    assert before.shape == after.shape == (live.COLUMNS * live.ROWS, 28, 28) and after.dtype == np.uint8
    assert np.abs(after.astype(int) - before).mean() > 0.5  # the same noise, drawn by a changed G
    h = t.history
    assert h.step == [1, 2, 3] and len(h.loss_g) == len(h.loss_d) == 3
    assert all(np.isfinite(h.loss_g + h.loss_d)) and all(0 <= p <= 1 for p in h.d_real + h.d_fake)
    share, seen = t.read(after)
    assert 0 <= share <= 1 and 0 <= seen <= 10 and h.read_step == [3]


def test_same_seed_same_training(mnist):
    a, b = (live_train.Trainer(live.Settings(batch=16, conditional=True), *mnist) for _ in range(2))
    for t in (a, b):
        t.step()
        t.step()
    assert a.history.loss_g == b.history.loss_g and np.array_equal(a.samples(), b.samples())


@pytest.mark.parametrize("name", list(live.PRESETS))
def test_presets_are_valid_settings_with_a_line_to_read(name):
    settings, line = live.PRESETS[name]
    assert settings.check() is settings and len(line) > 40


@pytest.mark.parametrize("kw,message", [({"lr_g": 5.0}, "Learning rate G"), ({"batch": 7}, "Batch size"),
                                        ({"d_steps": 0}, "D steps")])
def test_bad_settings_get_a_sentence(kw, message):
    with pytest.raises(XmganError, match=message):
        live.Settings(**kw).check()


def wait_for(condition, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_one_training_per_server_with_pause_step_and_reset(mnist):
    before = {p: p.stat().st_mtime for p in (ROOT / "checkpoints").rglob("*") if p.is_file()}
    lv = live.Live(data=lambda: mnist)
    lv.start("a", live.Settings(batch=16))
    assert wait_for(lambda: len(lv.snapshot("a").history.read_step) >= 2)  # two readings: about 1 s apart
    curves = lv.snapshot("a").curves
    assert curves.dtype == np.uint8 and curves.ndim == 3 and curves.shape[1] >= 900 and curves.std() > 10
    with pytest.raises(XmganError, match="Another visitor is training"):
        lv.start("b", live.Settings())
    assert "Another visitor" in lv.snapshot("b").status and lv.snapshot("b").grid is None
    lv.pause("a")
    time.sleep(0.1)  # a step in flight ends
    n = lv.trainer.steps
    time.sleep(0.3)
    assert lv.trainer.steps == n and lv.snapshot("a").state == "paused"
    lv.step_once("a")
    assert lv.trainer.steps == n + 1 and lv.trainer.history.read_step[-1] == n + 1  # stepped and read
    lv.resume("a")
    assert wait_for(lambda: lv.trainer.steps > n + 2)
    lv.reset("a")
    assert lv.trainer is None and lv.busy_for("b") is None
    lv.start("b", live.Settings(batch=16))  # the next visitor's turn
    lv.reset("b")
    lv.step_once("c", live.Settings(batch=16))  # from nothing: exactly one step, then paused
    assert lv.trainer.steps == 1 and lv.state == "paused"
    lv.reset("c")
    after = {p: p.stat().st_mtime for p in (ROOT / "checkpoints").rglob("*") if p.is_file()}
    assert after == before  # nothing written under checkpoints/


def test_stops_by_itself_at_the_time_limit_and_when_the_page_goes(mnist):
    lv = live.Live(time_limit_s=0.5, data=lambda: mnist)
    lv.start("a", live.Settings(batch=16))
    assert wait_for(lambda: lv.state == "stopped", 10) and "time limit" in lv.ended
    assert lv.busy_for("b") is None  # a stopped training holds nobody back
    lv = live.Live(idle_limit_s=0.3, data=lambda: mnist)
    lv.start("a", live.Settings(batch=16))
    assert wait_for(lambda: lv.state == "stopped", 10) and "stopped asking" in lv.ended  # no poll came
    lv = live.Live(data=lambda: mnist)
    lv.start("a", live.Settings(batch=16))
    lv.page_closed("a")
    assert lv.state == "stopped" and wait_for(lambda: not lv.thread.is_alive(), 5)


def test_without_mnist_the_tab_says_where_it_looked(monkeypatch, tmp_path, no_torchvision_download):
    monkeypatch.setenv("XMGAN_DATA", str(tmp_path))
    monkeypatch.setenv("XMGAN_CACHE", str(tmp_path / "cache"))
    assert str(tmp_path) in live.mnist_status() and "mnist.npz" in live.mnist_status()
    with pytest.raises(XmganError, match="mnist"):
        live.Live().start("a", live.Settings())


def test_the_preset_check_reports_what_each_line_talks_about():
    rows = live_train.check_presets(seconds=0.5, every_s=0.2)
    assert list(rows) == list(live.PRESETS)
    for name, readings in rows.items():
        assert readings and {"d_real", "d_fake", "loss_g", "legible", "classes", "spread"} <= set(readings[0]), name


def test_the_tab_says_so_when_mnist_is_missing(monkeypatch, tmp_path):
    """Built without MNIST, the Train live tab says where it looked; built with it, it says nothing of the kind."""
    import app

    monkeypatch.setenv("XMGAN_DATA", str(tmp_path))
    monkeypatch.setenv("XMGAN_CACHE", str(tmp_path / "cache"))
    demo = app.build_demo()
    texts = [b.value for b in demo.blocks.values() if isinstance(getattr(b, "value", None), str)]
    assert any("Training is not available here" in t and str(tmp_path) in t for t in texts)
    monkeypatch.setenv("XMGAN_DATA", str(FIXTURE_DATA))  # with MNIST: no such line
    texts = [b.value for b in app.build_demo().blocks.values() if isinstance(getattr(b, "value", None), str)]
    assert not any("Training is not available here" in t for t in texts)
