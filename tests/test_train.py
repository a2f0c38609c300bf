"""Training scripts on the fixture data: they write a loadable checkpoint, resume at the exact step after
kill -9, and run under torchrun with 2 CPU processes (gloo)."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

import xmgan
from conftest import ROOT

PY = sys.executable


def train(script, tmp_path, *args, wait=True, runs="runs", ck="ck", kill_after=None):
    """Run a training script on the fixtures; `kill_after=N`: it kills itself (SIGKILL) right after writing
    its resumable state at step N (XMGAN_KILL_AFTER_STATE, train/common.py), and the run is returned."""
    cmd = [PY, str(ROOT / "train" / script), "--runs", str(tmp_path / runs), "--checkpoints", str(tmp_path / ck),
           "--precision", "fp32", "--threads", "1", "--sample-every", "2", *args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if kill_after is not None:
        env["XMGAN_KILL_AFTER_STATE"] = str(kill_after)
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == -signal.SIGKILL, out.stderr[-3000:]
        return out
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=300)


@pytest.mark.parametrize("script,model_id,variant,extra", [
    ("train_gan.py", "gan", "mnist", []),
    ("train_cgan.py", "cgan", "fashion", ["--dataset", "fashion"]),
    ("train_judges.py", "judges", "mnist", ["--dataset", "mnist"]),
    ("train_dtn.py", "dtn", "usps2mnist", ["--task", "usps2mnist", "--f-steps", "2"]),
    ("train_latent_gan.py", "latent_gan", "mnist_0to5", ["--task", "mnist_0to5", "--vae-steps", "2", "--map-batch", "8"]),
    ("train_cyclegan.py", "cyclegan", "mnist_mnist_m", ["--pair", "mnist_mnist_m", "--pool", "4"]),
    ("train_stargan.py", "stargan", "digits4", []),
    ("train_cmcgan.py", "cmcgan", "fsdd_mnist", []),
    ("train_spoken_judge.py", "spoken_judge", "fsdd", []),
    ("train_spoken_wave_judge.py", "spoken_wave_judge", "fsdd", []),
    ("train_stargan_vc.py", "stargan_vc", "vcc2016", []),
    ("train_cyclegan_vc.py", "cyclegan_vc", "sf1_tm1", []),
])
def test_script_writes_a_loadable_checkpoint(tmp_path, script, model_id, variant, extra):
    train(script, tmp_path, "--steps", "4", "--batch", "8", *extra)
    folder = tmp_path / "ck" / model_id
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["variants"][variant]["training"]["steps"] == 4
    judge = model_id in ("judges", "spoken_judge", "spoken_wave_judge")  # evaluation classifiers: no samples, not a registered model
    assert list((tmp_path / "runs" / model_id / variant).glob("samples_*.png")) or judge
    if not judge:
        assert xmgan.load(model_id, folder=folder).variants == [variant]


def test_resume_after_kill_9_continues_at_the_exact_step(tmp_path):
    # A long run killed with SIGKILL soon after its first resumable state is written ...
    proc = train("train_gan.py", tmp_path, "--steps", "100000", "--batch", "8", "--ckpt-every", "4", wait=False)
    state = tmp_path / "runs" / "gan" / "mnist" / "state.pt"
    deadline = time.time() + 120
    while not state.exists() and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = torch.load(state, weights_only=True)["step"]
    assert 4 <= killed_at < 100000 and killed_at % 4 == 0
    # ... then resumed to killed_at + 8 steps, must equal an uninterrupted run of killed_at + 8 steps.
    total = str(killed_at + 8)
    out = train("train_gan.py", tmp_path, "--steps", total, "--batch", "8", "--ckpt-every", "4", "--resume")
    assert f"resumed gan/mnist at step {killed_at}" in out.stderr
    resumed = load_file(tmp_path / "ck" / "gan" / "model.safetensors")
    train("train_gan.py", tmp_path, "--steps", total, "--batch", "8", "--ckpt-every", "4", runs="ref")
    reference = load_file(tmp_path / "ck" / "gan" / "model.safetensors")
    for k, v in reference.items():
        assert torch.allclose(v, resumed[k], atol=1e-6), k


def test_torchrun_two_cpu_processes(tmp_path):
    cmd = [PY, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533",
           str(ROOT / "train" / "train_cgan.py"), "--steps", "4", "--batch", "8", "--precision", "fp32",
           "--runs", str(tmp_path / "runs"), "--checkpoints", str(tmp_path / "ck"), "--sample-every", "4"]
    out = subprocess.run(cmd, env={**os.environ}, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ranks in sync" in out.stderr
    cfg = json.loads((tmp_path / "ck" / "cgan" / "config.json").read_text())
    assert cfg["variants"]["mnist"]["training"]["processes"] == 2
    assert cfg["variants"]["mnist"]["training"]["batch"] == 16


def distance_to_data(pipe, dataset: str) -> float:
    """Mean absolute difference between the mean generated image and the mean training image (pixels in [0, 1]):
    0.53 for an untrained DCGAN generator on the MNIST fixture, whose output is a grey haze."""
    import numpy as np

    from xmgan.data import load_images

    real = load_images(dataset, "train").x.astype(np.float32) / 255
    if hasattr(pipe, "images_for"):  # conditional: 8 images of each class
        made = pipe.images_for(np.repeat(np.arange(10), 8), seed=0)
    else:
        made = pipe.images(seed=0, count=80)
    return float(np.abs(made.astype(np.float32).mean(0) / 255 - real.mean(0)).mean())


@pytest.mark.parametrize("script,model_id,variant", [("train_gan.py", "gan", "mnist"), ("train_cgan.py", "cgan", "mnist")])
def test_a_few_dozen_steps_learn(tmp_path, script, model_id, variant):
    """40 steps on the fixture: D's loss falls well below its step-0 value (its optimiser steps and it learns
    to tell real from generated) and G's samples move towards the data (a script whose G never stepped would
    keep its initial grey haze). --steps 0 writes the untrained networks for the comparison."""
    train(script, tmp_path, "--steps", "0", "--batch", "16", runs="runs0", ck="ck0")
    train(script, tmp_path, "--steps", "40", "--batch", "16", "--losses-every", "1")
    curve = [json.loads(line) for line in (tmp_path / "runs" / model_id / variant / "losses.jsonl").read_text().splitlines()]
    assert [c["step"] for c in curve] == list(range(40))
    d0, d_end = curve[0]["d"], sum(c["d"] for c in curve[-5:]) / 5
    assert d_end < 0.6 * d0, (d0, d_end)
    before = distance_to_data(xmgan.load(model_id, folder=tmp_path / "ck0" / model_id), variant)
    after = distance_to_data(xmgan.load(model_id, folder=tmp_path / "ck" / model_id), variant)
    assert after < 0.6 * before, (before, after)


def test_two_stage_resume_after_kill_9_in_each_stage(tmp_path):
    """latent_gan trains the VAEs (stage 1, steps 0-5) then the mappers (stage 2, steps 6-11). Killed with
    SIGKILL right after its state at step 4 (stage 1), resumed and killed again after step 8 (stage 2), then
    resumed to the end, it ships the same weights as an uninterrupted run."""
    args = ["--task", "mnist_0to5", "--vae-steps", "6", "--steps", "12", "--batch", "8", "--map-batch", "8",
            "--ckpt-every", "2"]
    train("train_latent_gan.py", tmp_path, *args, kill_after=4)
    state = tmp_path / "runs" / "latent_gan" / "mnist_0to5" / "state.pt"
    assert torch.load(state, weights_only=True)["step"] == 4
    out = train("train_latent_gan.py", tmp_path, *args, "--resume", kill_after=8)
    assert "resumed latent_gan/mnist_0to5 at step 4" in out.stderr
    assert torch.load(state, weights_only=True)["step"] == 8
    out = train("train_latent_gan.py", tmp_path, *args, "--resume")
    assert "resumed latent_gan/mnist_0to5 at step 8" in out.stderr
    train("train_latent_gan.py", tmp_path, *args, runs="ref", ck="ckref")
    resumed = load_file(tmp_path / "ck" / "latent_gan" / "model.safetensors")
    reference = load_file(tmp_path / "ckref" / "latent_gan" / "model.safetensors")
    assert resumed.keys() == reference.keys()
    for k, v in reference.items():
        assert torch.equal(v, resumed[k]) or torch.allclose(v, resumed[k], atol=1e-6), k


def test_latent_gan_into_fashion_learns_from_the_fashion_teacher(tmp_path, monkeypatch):
    """train_judges.py --teacher --dataset fashion writes the teacher folder's "fashion" variant; with
    --sem-weight 1 the latent-space GAN's MNIST -> Fashion mapper is taught by it (the loss is logged and
    non-zero), and without that variant the script stops with the command that trains it."""
    train("train_judges.py", tmp_path, "--steps", "4", "--batch", "8", "--teacher", "--dataset", "fashion",
          "--seed", "7", ck="teachers")
    cfg = json.loads((tmp_path / "teachers" / "teacher" / "config.json").read_text())
    assert set(cfg["variants"]) == {"fashion"} and cfg["variants"]["fashion"]["channels"] == 1
    args = ["--steps", "4", "--batch", "8", "--task", "mnist2fashion", "--vae-steps", "2", "--map-batch", "8",
            "--sem-weight", "1", "--losses-every", "1"]
    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path / "teachers"))
    out = train("train_latent_gan.py", tmp_path, *args)
    assert "G1 weight 1.0 (teacher fashion)" in out.stderr
    curve = [json.loads(line) for line in
             (tmp_path / "runs" / "latent_gan" / "mnist2fashion" / "losses.jsonl").read_text().splitlines()]
    assert all(c["sem"] > 0 for c in curve if c["step"] >= 2), curve
    (tmp_path / "teachers" / "teacher" / "config.json").write_text(json.dumps({**cfg, "variants": {}}))
    with pytest.raises(subprocess.CalledProcessError) as e:
        train("train_latent_gan.py", tmp_path, *args, runs="runs2")
    assert "train/train_judges.py --teacher --dataset fashion" in e.value.stderr
