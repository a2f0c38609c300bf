"""Speed figures for the README.

    python -m xmgan.bench                  # inference latency of every model's actions, p50/p95
    python -m xmgan.bench --train          # + steps/s of each training script over a few hundred steps
Inference: one request at a time, CPU, float32, after one warm-up call, as a tab would run it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import xmgan

from .env import hardware
from .registry import default_inputs

ROOT = Path(__file__).resolve().parents[1]
# (script, extra args) per training script; steps/s is measured by the script itself (speed.json).
TRAIN_SCRIPTS = [
    ("train_judges.py", ["--dataset", "mnist"]),
    ("train_gan.py", []),
    ("train_cgan.py", ["--dataset", "mnist"]),
    ("train_dtn.py", ["--task", "usps2mnist", "--f-steps", "50"]),          # steps/s of the g/D stage
    ("train_latent_gan.py", ["--task", "mnist_0to5", "--vae-steps", "150"]),  # both stages together
    ("train_cyclegan.py", ["--pair", "usps_mnist"]),
    ("train_cyclegan.py", ["--pair", "mnist_mnist_m"]),
    ("train_stargan.py", []),                                                 # G steps (2 D steps each)
    ("train_spoken_judge.py", []),
    ("train_spoken_wave_judge.py", []),
    ("train_cmcgan.py", []),
    ("train_stargan_vc.py", []),   # the first run builds the WORLD feature cache (~3 min)
    ("train_cyclegan_vc.py", []),
]
def _short(kwargs: dict) -> str:
    return ", ".join(f"{k}={Path(v).parent.name + '/' + Path(v).name if k in ('image', 'audio') else v}"
                     for k, v in kwargs.items())


def latency(fn, repeats: int) -> dict:
    fn()  # warm-up: first call pays for lazy loading and allocator growth
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2)}


def bench_inference(repeats: int = 30) -> list[dict]:
    rows = []
    for model_id in xmgan.list_models():
        try:
            pipe = xmgan.load(model_id)
        except xmgan.WeightsNotFound as e:
            rows.append({"model": model_id, "action": "(not timed)", "args": str(e), "p50_ms": "-", "p95_ms": "-"})
            continue
        for action in xmgan.get_spec(model_id).actions:
            method = getattr(pipe, action.method)
            for variant in pipe.variants:
                kwargs = {**default_inputs(model_id, action, variant), "variant": variant}
                rows.append({"model": model_id, "action": action.method, "args": _short(kwargs),
                             **latency(lambda: method(**kwargs), repeats)})
    return rows


def bench_training(steps: int = 300) -> list[dict]:
    rows = []
    for script, extra in TRAIN_SCRIPTS:
        with tempfile.TemporaryDirectory() as runs:
            cmd = [sys.executable, str(ROOT / "train" / script), "--steps", str(steps), "--no-save",
                   "--runs", runs, "--ckpt-every", str(10 * steps), "--sample-every", str(10 * steps), *extra]
            subprocess.run(cmd, check=True, capture_output=True, env={**os.environ})
            speed = json.loads(next(Path(runs).rglob("speed.json")).read_text())
        rows.append({"script": f"train/{script} {' '.join(extra)}".strip(), "steps_per_s": speed["steps_per_s"]})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xmgan.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", action="store_true", help="also time the training scripts")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args(argv)
    print(f"# xmgan.bench on {hardware()}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}")
    print("\n| model | action | p50 ms | p95 ms |\n|---|---|---|---|")
    for r in bench_inference(args.repeats):
        print(f"| {r['model']} | {r['action']} {r['args']} | {r['p50_ms']} | {r['p95_ms']} |")
    if args.train:
        print("\n| training script | steps/s |\n|---|---|")
        for r in bench_training(args.steps):
            print(f"| {r['script']} | {r['steps_per_s']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
