"""Round 2 of the translators: continuing from shipped weights, time-boxed training, the second judge's
front end, scoring with both judges beside the untranslated baseline, and the drawing path."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT

PY = sys.executable


def run_script(script, tmp_path, *args, ck="ck"):
    cmd = [PY, str(ROOT / "train" / script), "--runs", str(tmp_path / "runs"), "--checkpoints", str(tmp_path / ck),
           "--precision", "fp32", "--threads", "1", "--sample-every", "1000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300)


def test_a_grown_stargan_generator_starts_as_the_old_one():
    sys.path.insert(0, str(ROOT / "train"))
    from common import load_grown

    from xmgan.models.stargan import Config, Generator, one_hot

    torch.manual_seed(0)
    old, new = Generator(Config(z_dim=0)).eval(), Generator(Config(z_dim=8)).eval()
    load_grown(new, old.state_dict())
    x, code = torch.rand(3, 3, 32, 32) * 2 - 1, one_hot(torch.tensor([0, 2, 3]), 4)
    with torch.no_grad():
        ref = old(x, code)
        for _ in range(2):
            assert torch.allclose(new(x, code, torch.randn(3, 8)), ref, atol=1e-5)
    # the new input is there to be learnt: its weights exist and are zero, not missing
    assert new.enc1[0].weight.shape[1] == old.enc1[0].weight.shape[1] + 8


def test_init_from_continues_and_records_the_whole_history(tmp_path):
    run_script("train_cyclegan.py", tmp_path, "--pair", "usps_mnist", "--steps", "2", "--batch", "4", "--pool", "2", ck="first")
    run_script("train_cyclegan.py", tmp_path, "--pair", "usps_mnist", "--steps", "3", "--batch", "4", "--pool", "2",
               "--init-from", str(tmp_path / "first" / "cyclegan"))
    training = json.loads((tmp_path / "ck" / "cyclegan" / "config.json").read_text())["variants"]["usps_mnist"]["training"]
    assert training["steps"] == 3 and training["continued_from"]["steps"] == 2 and training["total_steps"] == 5
    from safetensors.torch import load_file

    first = load_file(tmp_path / "first" / "cyclegan" / "model.safetensors")
    second = load_file(tmp_path / "ck" / "cyclegan" / "model.safetensors")
    d_key = next(k for k in first if "/D_A." in k and k.endswith("weight"))
    assert not torch.equal(first[d_key], second[d_key])  # D trained on (the live D is shipped) ...
    # ... from the first run's weights, not from a new initialisation:
    run_script("train_cyclegan.py", tmp_path, "--pair", "usps_mnist", "--steps", "3", "--batch", "4", "--pool", "2",
               "--seed", "5", ck="fresh")
    other = load_file(tmp_path / "fresh" / "cyclegan" / "model.safetensors")
    assert (second[d_key] - first[d_key]).abs().mean() < (other[d_key] - first[d_key]).abs().mean()


def test_a_time_box_stops_training_and_records_the_steps_done(tmp_path):
    out = run_script("train_gan.py", tmp_path, "--steps", "1000000", "--batch", "4", "--max-minutes", "0.01")
    assert "time box" in out.stderr
    steps = json.loads((tmp_path / "ck" / "gan" / "config.json").read_text())["variants"]["mnist"]["training"]["steps"]
    assert 0 < steps < 1000000


def test_the_second_judge_reads_through_its_own_front_end():
    from xmgan.judges import Config, JudgeB

    torch.manual_seed(0)
    judge = JudgeB(Config(channels=1, image_size=28)).eval()
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        logits = judge(x)
        assert logits.shape == (4, 10) and torch.isfinite(logits).all()
        # per-image standardisation: brightness and contrast do not change what it reads
        assert torch.allclose(judge(0.5 * x + 0.2), logits, atol=1e-4)
        assert not torch.allclose(judge(x.flip(-1)), logits, atol=1e-4)


def test_scores_stand_beside_the_untranslated_input():
    from xmgan.domains import load_frames
    from xmgan.judges.translation import score_translation

    x, y = load_frames("mnist", "test", 1)
    x, y = x[:64], y[:64].numpy()
    same = score_translation(x, x, y, "mnist")
    assert same["accuracy"] == same["accuracy_untranslated"] >= 0.9
    assert same["accuracy"] == min(v for k, v in same.items() if k.startswith("accuracy_judge_"))
    noise = score_translation(x, torch.rand_like(x) * 2 - 1, y, "mnist")
    assert noise["accuracy"] < 0.4 and noise["fd_ratio"] > 3 * same["fd_ratio"]
    assert noise["accuracy_untranslated"] == same["accuracy"]


@pytest.mark.parametrize("domain", ["mnist", "usps"])
def test_drawn_digits_read_like_the_test_digits(domain):
    from xmgan.domains import drawn_frames, for_judge, load_frames
    from xmgan.judges import get_judges, predict

    drawn, y = drawn_frames(domain, 64)
    real, _ = load_frames(domain, "test")
    assert drawn.shape == (64, 3, 32, 32) and drawn.min() >= -1 and drawn.max() <= 1
    judge = get_judges()[domain]
    acc_drawn = (predict(judge, for_judge(drawn, domain))[0] == y.numpy()).mean()
    acc_real = (predict(judge, for_judge(real[:64], domain))[0] == y.numpy()).mean()
    assert acc_drawn >= 0.9 * acc_real
    # the drawing is the same digit in the same place, not a copy of the frame: close, never identical
    diff = (drawn.mean(1, keepdim=True) - real[:64].mean(1, keepdim=True)).abs().mean()
    assert 0 < diff < 0.25


def test_drawing_refuses_a_photo_domain():
    from xmgan.domains import drawn_frames
    from xmgan.errors import XmganError

    with pytest.raises(XmganError):
        drawn_frames("mnist_m", 4)
    assert np.all(np.isfinite(drawn_frames("mnist", 2)[0].numpy()))
