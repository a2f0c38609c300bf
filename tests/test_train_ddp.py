"""Data-parallel training under torchrun (issue 15 item 6): two CPU processes on the gloo backend, killed
with SIGKILL right after a resumable state, resumed, end with the weights of an uninterrupted run.

Rank 0 writes the one state file; batch-norm running statistics are per process, so every process averages
them before each state is written (train/common.py save_state). Without that, the resumed run went on from
rank 0's statistics on both processes and ended with other buffers (mnist/D.net.3.running_mean off by about
2e-3), which this test caught."""
import json
import os
import re
import subprocess
import sys

import torch
from safetensors.torch import load_file

from conftest import ROOT


def torchrun(tmp_path, *args, runs="runs", ck="ck", kill_after=None) -> subprocess.CompletedProcess:
    """train/train_cgan.py in 2 CPU processes (torchrun --standalone: a free port of its own). `kill_after=N`:
    rank 0 SIGKILLs itself right after writing its state at step N (XMGAN_KILL_AFTER_STATE, train/common.py);
    torchrun then stops rank 1 and fails."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(ROOT / "train" / "train_cgan.py"), "--precision", "fp32", "--threads", "1", "--sample-every", "1000",
           "--runs", str(tmp_path / runs), "--checkpoints", str(tmp_path / ck), *args]
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    env.pop("XMGAN_KILL_AFTER_STATE", None)
    if kill_after is not None:
        env["XMGAN_KILL_AFTER_STATE"] = str(kill_after)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_torchrun_gloo_resumes_after_kill_9(tmp_path):
    args = ["--steps", "8", "--batch", "8", "--ckpt-every", "2"]
    killed = torchrun(tmp_path, *args, kill_after=4)
    assert killed.returncode != 0, "the run was to be killed at step 4"
    assert re.search(r"exitcode\s*:\s*-9\b", killed.stderr), killed.stderr[-3000:]  # SIGKILL, not a crash
    state = tmp_path / "runs" / "cgan" / "mnist" / "state.pt"
    assert torch.load(state, weights_only=True)["step"] == 4
    assert not (tmp_path / "ck" / "cgan" / "model.safetensors").exists()

    resumed = torchrun(tmp_path, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resumed cgan/mnist at step 4" in resumed.stderr and "2 ranks in sync" in resumed.stderr
    training = json.loads((tmp_path / "ck" / "cgan" / "config.json").read_text())["variants"]["mnist"]["training"]
    assert training["processes"] == 2 and training["steps"] == 8

    reference = torchrun(tmp_path, *args, runs="ref", ck="ckref")
    assert reference.returncode == 0, reference.stderr[-3000:]
    got = load_file(tmp_path / "ck" / "cgan" / "model.safetensors")
    want = load_file(tmp_path / "ckref" / "cgan" / "model.safetensors")
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert torch.allclose(v, got[k], atol=1e-6), k
