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


def train(script, tmp_path, *args, wait=True, runs="runs"):
    cmd = [PY, str(ROOT / "train" / script), "--runs", str(tmp_path / runs), "--checkpoints", str(tmp_path / "ck"),
           "--precision", "fp32", "--threads", "1", "--sample-every", "2", *args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
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
    ("train_stargan_vc.py", "stargan_vc", "vcc2016", []),
    ("train_cyclegan_vc.py", "cyclegan_vc", "sf1_tm1", []),
])
def test_script_writes_a_loadable_checkpoint(tmp_path, script, model_id, variant, extra):
    train(script, tmp_path, "--steps", "4", "--batch", "8", *extra)
    folder = tmp_path / "ck" / model_id
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["variants"][variant]["training"]["steps"] == 4
    judge = model_id in ("judges", "spoken_judge")  # evaluation classifiers: no samples, not a registered model
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
