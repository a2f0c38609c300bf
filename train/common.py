"""Shared training machinery: device and precision, seeding, data parallelism, resumable checkpoints,
sample grids, and writing the shipped checkpoint folder.

Runs as a plain script or under `torchrun --nproc_per_node=N` (gloo on CPU, nccl on CUDA). Data
parallelism is done by averaging gradients across processes after each backward pass
(`Trainer.sync`), which is what DistributedDataParallel does; GANs alternate G and D updates and use D
in both graphs, which DDP's reducer handles poorly, so we all-reduce explicitly instead.
Every batch and every noise draw is a function of (seed, step, rank) so `--resume` continues at the
exact step it left off, bit for bit on the same machine.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]

try:  # the package is installed (`pip install -e .`, which ./run does), not found through a path edit
    from xmgan import hub
except ModuleNotFoundError as e:
    if e.name != "xmgan":
        raise
    raise SystemExit("xmgan is not installed in this Python: run `pip install -e .` in the repository root "
                     "(./run does it), or set PYTHONPATH to the repository root.") from None
from xmgan.data import cache_dir, to_uint8
from xmgan.env import hardware
from xmgan.judges import Config as JudgeConfig, build_judge
from xmgan.pipeline import grid
from xmgan.weights import config_from_dict

log = logging.getLogger("train")


def progress(start: int, total: int, main: bool):
    """tqdm over steps; redraws rarely when writing to a log file instead of a terminal."""
    from tqdm import tqdm

    return tqdm(range(start, total), initial=start, total=total, disable=not main,
                mininterval=0.5 if sys.stderr.isatty() else 30, dynamic_ncols=True)


def base_parser(description: str, steps: int, batch: int, lr: float) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--steps", type=int, default=steps)
    p.add_argument("--batch", type=int, default=batch, help="per process")
    p.add_argument("--lr", type=float, default=lr)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from <runs>/<id>/<variant>/state.pt")
    p.add_argument("--init-from", type=Path, default=None,
                   help="start from the weights of a checkpoint folder (e.g. checkpoints/<id>): weights only, "
                        "fresh optimisers; tensors whose shape grew are copied into the new one, zero-padded")
    p.add_argument("--max-minutes", type=float, default=0.0,
                   help="time box: the learning-rate schedule runs on whichever of --steps or this wall-clock "
                        "budget runs out first, and training stops there (0: steps only)")
    p.add_argument("--ckpt-every", type=int, default=500)
    p.add_argument("--losses-every", type=int, default=50,
                   help="append the losses to <runs>/<id>/<variant>/losses.jsonl every N steps (0: never)")
    p.add_argument("--sample-every", type=int, default=1000)
    p.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="auto: bf16 autocast on CUDA and on CPUs with AVX-512 or AMX (about 1.8x faster there), "
                        "fp32 elsewhere (on an AVX2-only CPU bf16 is emulated: about 15x slower)")
    p.add_argument("--threads", type=int, default=0, help="CPU threads (0: all cores / processes)")
    p.add_argument("--runs", type=Path, default=cache_dir() / "runs",
                   help="sample grids and resumable states (default $XMGAN_CACHE/runs, ~/.cache/xmgan/runs)")
    p.add_argument("--checkpoints", type=Path, default=None, help="where to write <id>/ (default checkpoints/)")
    p.add_argument("--no-save", action="store_true", help="do not write the checkpoint folder at the end")
    return p


def fast_bf16_cpu() -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 or AMX); torch emulates it on AVX2, slowly."""
    capability = torch.backends.cpu.get_cpu_capability()
    return capability.startswith("AVX512") or "AMX" in capability


class Trainer:
    """Device, precision, distributed set-up and the bookkeeping every train script needs."""

    def __init__(self, model_id: str, variant: str, args: argparse.Namespace):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        self.model_id, self.variant, self.args = model_id, variant, args
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        cuda = torch.cuda.is_available()
        if self.world > 1:
            dist.init_process_group("nccl" if cuda else "gloo")
        if cuda:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")
            threads = args.threads or max(1, (os.cpu_count() or 1) // self.world)
            torch.set_num_threads(threads)
        if args.precision == "auto":
            args.precision = "bf16" if cuda or fast_bf16_cpu() else "fp32"
        self.amp = args.precision == "bf16"
        self.run_dir = args.runs / model_id / variant
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.started = time.time()
        self.elapsed_before = 0.0
        self.steps_done = args.steps
        self.before: dict | None = None  # the training record of the weights --init-from started from
        self.logged = False  # whether this process has written to losses.jsonl yet
        torch.manual_seed(args.seed)
        np.random.seed(args.seed)

    @property
    def main(self) -> bool:
        return self.rank == 0

    def autocast(self):
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16)

    def prepare(self, module: torch.nn.Module) -> torch.nn.Module:
        module = module.to(self.device).to(memory_format=torch.channels_last)
        if self.world > 1:  # same initial weights everywhere
            for t in module.state_dict().values():
                dist.broadcast(t, 0)
        return module

    def generator(self, step: int) -> torch.Generator:
        """The random stream of one step on this process: batches and noise depend on nothing else."""
        return torch.Generator().manual_seed(self.args.seed * 1_000_003 + step * 1009 + self.rank)

    def batch(self, data: torch.Tensor, labels: torch.Tensor | None, g: torch.Generator):
        idx = torch.randint(0, len(data), (self.args.batch,), generator=g).to(data.device)
        x = data[idx].to(self.device).contiguous(memory_format=torch.channels_last)
        return x, (labels[idx.to(labels.device)].to(self.device) if labels is not None else None)

    def sync(self, *modules: torch.nn.Module) -> None:
        """Average gradients over processes (one flat all-reduce)."""
        if self.world == 1:
            return
        grads = [p.grad for m in modules for p in m.parameters() if p.grad is not None]
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat)
        flat /= self.world
        i = 0
        for g in grads:
            g.copy_(flat[i:i + g.numel()].view_as(g))
            i += g.numel()

    # -- resumable state ---------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.run_dir / "state.pt"

    def save_state(self, step: int, objects: dict) -> None:
        """Atomic: write a temp file then rename, so a kill -9 leaves the previous state intact. Under torchrun
        every process calls it: the state holds one copy of the batch-norm running statistics, which differ per
        process, so all processes first take their average (in an uninterrupted run as well), or a resumed run
        would go on from rank 0's statistics on every process and end with other weights."""
        self.average_buffers(*(v for v in objects.values() if isinstance(v, torch.nn.Module)))
        if not self.main:
            return
        state = {k: v.state_dict() for k, v in objects.items()}
        state["step"] = step
        state["elapsed"] = self.elapsed()
        tmp = self.state_path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, self.state_path)
        if os.environ.get("XMGAN_KILL_AFTER_STATE") == str(step):  # tests: a kill -9 right after this state
            os.kill(os.getpid(), signal.SIGKILL)

    def load_state(self, objects: dict) -> int:
        """Restore objects and return the step to continue from (0 without --resume)."""
        self.restart_clock(0)
        if not (self.args.resume and self.state_path.is_file()):
            return 0
        state = torch.load(self.state_path, map_location=self.device, weights_only=True)
        for k, v in objects.items():
            v.load_state_dict(state[k])
        self.elapsed_before = state.get("elapsed", 0.0)
        log.info("resumed %s/%s at step %d", self.model_id, self.variant, state["step"])
        self.restart_clock(int(state["step"]))
        return self.start_step

    def log_losses(self, step: int, **losses: torch.Tensor | float) -> None:
        """The training curve: one JSON line per --losses-every steps (and the first step of this process) in
        <run_dir>/losses.jsonl, e.g. {"step": 50, "d": 1.21, "g": 0.93}; a fresh run starts the file anew,
        a resumed one appends to it."""
        every = getattr(self.args, "losses_every", 0)
        if not self.main or not every or (step % every and step != self.start_step):
            return
        path = self.run_dir / "losses.jsonl"
        mode = "a" if self.args.resume or self.logged else "w"
        self.logged = True
        values = {k: round(float(v.detach() if torch.is_tensor(v) else v), 5) for k, v in losses.items()}
        with open(path, mode) as f:
            f.write(json.dumps({"step": step, **values}) + "\n")

    def elapsed(self) -> float:
        return self.elapsed_before + time.time() - self.started

    def fraction(self, step: int) -> float:
        """How far through the schedule `step` is: step / --steps, or the share of --max-minutes spent in
        this process's loop if that is larger (a time-boxed run on a lent GPU). At >= 1 the loop stops."""
        frac = step / self.args.steps
        if self.args.max_minutes:
            frac = max(frac, (time.time() - self.loop_started) / (60 * self.args.max_minutes))
        return frac

    def stop(self, step: int) -> bool:
        """True once the time box is spent (then `finish` records `step` as the steps trained)."""
        if self.args.max_minutes and self.fraction(step) >= 1.0:
            self.steps_done = step
            log.info("time box of %.1f min spent at step %d", self.args.max_minutes, step)
            return True
        return False

    def init_from(self, nets: torch.nn.ModuleDict, variant: str | None = None) -> None:
        """Load a checkpoint folder's weights of `variant` into `nets` (the model's build() ModuleDict)
        before training: the shipped G is the EMA one, so training continues from what users saw."""
        if self.args.init_from is None:
            return
        cfg, tensors = hub.load_checkpoint(Path(self.args.init_from))
        state = hub.variant_state(tensors, variant or self.variant)
        if not state:
            raise SystemExit(f"{self.args.init_from} has no variant {variant or self.variant!r}")
        load_grown(nets, state)
        self.before = cfg["variants"].get(variant or self.variant, {}).get("training")
        log.info("initialised from %s (variant %s, %d tensors)", self.args.init_from, variant or self.variant, len(state))

    # -- outputs ---------------------------------------------------------------------------------------
    def save_samples(self, step: int, images: torch.Tensor, nrow: int) -> None:
        if self.main:
            im = grid(to_uint8(images.float().cpu().numpy()), nrow)
            Image.fromarray(im).save(self.run_dir / f"samples_{step:06d}.png")

    def save_pretrained(self, config, state: dict[str, torch.Tensor], steps: int, extra: dict | None = None) -> Path | None:
        """Write checkpoints/<id>/ (the variant's weights and config with how it was trained)."""
        if not self.main or self.args.no_save:
            return None
        cfg = dataclasses.asdict(config)
        cfg["training"] = {
            "command": "python " + " ".join([Path(sys.argv[0]).relative_to(ROOT).as_posix()
                                             if Path(sys.argv[0]).is_absolute() else sys.argv[0]] + sys.argv[1:]),
            "steps": steps, "batch": self.args.batch * self.world, "lr": self.args.lr, "seed": self.args.seed,
            "precision": self.args.precision, "processes": self.world,
            "device": hardware(),
            "minutes": round(self.elapsed() / 60, 1), "date": date.today().isoformat(),
            "torch": torch.__version__,
            **(extra or {}),
        }
        if self.before:  # the whole history: this run continued from weights trained so
            cfg["training"]["continued_from"] = self.before
            prev = [self.before]
            while "continued_from" in prev[-1]:
                prev.append(prev[-1]["continued_from"])
            cfg["training"]["total_steps"] = steps + sum(b.get("steps", 0) for b in prev)
            cfg["training"]["total_minutes"] = round(cfg["training"]["minutes"] + sum(b.get("minutes", 0) for b in prev), 1)
        folder = hub.write_variant(self.model_id, self.variant, cfg, state, self.args.checkpoints)
        log.info("wrote %s (variant %s)", folder, self.variant)
        (self.run_dir / "done.json").write_text(json.dumps(cfg["training"], indent=2))
        return folder

    def average_buffers(self, *modules: torch.nn.Module) -> None:
        """Batch-norm running statistics are per process (each sees its own batches); average them so
        every process goes on with, and ships, the same networks."""
        if self.world == 1:
            return
        for m in modules:
            for b in m.buffers():
                if b.is_floating_point():
                    dist.all_reduce(b)
                    b /= self.world

    def restart_clock(self, step: int) -> None:
        """Measure steps/s from here (e.g. only the second stage of a two-stage script)."""
        self.loop_started, self.start_step = time.time(), step

    def finish(self, config, state: dict[str, torch.Tensor], extra: dict | None = None) -> None:
        """End of training: record the speed, write checkpoints/<id>/ (with `extra` training facts, such
        as a first stage's steps), leave the process group."""
        steps = self.steps_done
        rate = (steps - self.start_step) / max(time.time() - self.loop_started, 1e-9)
        if self.main:
            (self.run_dir / "speed.json").write_text(json.dumps({"steps_per_s": round(rate, 2), "world": self.world}))
            log.info("%.2f steps/s over %d steps", rate, steps - self.start_step)
        self.check_in_sync(state)
        self.save_pretrained(config, state, steps, extra)
        self.close()

    def check_in_sync(self, state: dict[str, torch.Tensor]) -> None:
        """Data parallelism must leave every process with the same weights: compare a checksum."""
        if self.world == 1:
            return
        # On the training device: NCCL (CUDA) gathers only CUDA tensors, gloo (CPU) only CPU ones.
        flat = torch.cat([t.detach().float().reshape(-1).to(self.device) for t in state.values() if t.is_floating_point()])
        sums = [torch.zeros(2, device=self.device) for _ in range(self.world)]
        dist.all_gather(sums, torch.stack([flat.sum(), (flat * flat).sum()]))
        sums = [s.cpu() for s in sums]
        if not all(torch.allclose(s, sums[0], rtol=1e-5) for s in sums):
            raise RuntimeError(f"processes diverged: weight checksums {sums}")
        if self.main:
            log.info("%d ranks in sync", self.world)

    def close(self) -> None:
        if self.world > 1:
            dist.barrier()
            dist.destroy_process_group()


def tensors_from(split, pad_to: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 Split -> (float images in [-1, 1] (N, C, H, W), int64 labels)."""
    from xmgan.data import to_float

    x = torch.from_numpy(to_float(split.x))
    if pad_to and x.shape[-1] < pad_to:
        p = (pad_to - x.shape[-1]) // 2
        x = torch.nn.functional.pad(x, (p, p, p, p), value=-1.0)
    return x, torch.from_numpy(split.y)


def load_grown(module: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """load_state_dict that also takes a tensor smaller than the module's in some dimensions (a network
    grown by new input channels, e.g. a noise input): the old values are copied into the leading part and
    the rest keeps zeros, so the grown network starts out computing what the old one did."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise SystemExit(f"init: the checkpoint lacks {missing[:5]}")
    with torch.no_grad():
        for k, t in own.items():
            src = state[k].to(t.dtype)
            if src.shape == t.shape:
                t.copy_(src)
            elif src.dim() == t.dim() and all(a <= b for a, b in zip(src.shape, t.shape)):
                t.zero_()
                t[tuple(slice(0, n) for n in src.shape)].copy_(src)
            else:
                raise SystemExit(f"init: {k} has shape {tuple(src.shape)} in the checkpoint, {tuple(t.shape)} here")


def load_teacher(device: torch.device, folder: Path | None = None, variant: str = "digits4") -> torch.nn.Module:
    """The frozen classifier of semantic-consistency losses (checkpoints/teacher/, trained by
    `train/train_judges.py --teacher`): its own weights and seed, never one of the evaluation judges.
    Variant "digits4": digits of the four digit domains (32x32, 3 channels); "fashion": Fashion-MNIST."""
    cfg, tensors = hub.load_checkpoint(folder or hub.resolve("teacher"))
    if variant not in cfg["variants"]:
        raise SystemExit(f"the teacher has no variant {variant!r} (it has {', '.join(cfg['variants'])}): "
                         f"train it with train/train_judges.py --teacher --dataset {variant}")
    net = build_judge(config_from_dict(JudgeConfig, cfg["variants"][variant]))
    net.load_state_dict(hub.variant_state(tensors, variant))
    return net.to(device).eval().requires_grad_(False)


def shipped_state(**modules: torch.nn.Module) -> dict[str, torch.Tensor]:
    """One state dict for the checkpoint, keys "<name>.<param>" matching the model's build() ModuleDict,
    e.g. shipped_state(G=G_ema, D=D)."""
    return {f"{name}.{k}": v for name, m in modules.items() for k, v in m.state_dict().items()}


@torch.no_grad()
def recompute_bn(net: torch.nn.Module, latents, batches: int = 100, batch: int = 500) -> None:
    """Batch-norm running statistics of a generator re-estimated for its own (e.g. averaged) weights:
    the cumulative mean over `batches` forward passes of `latents(batch)` in train mode."""
    norms = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    net.train()
    for _ in range(batches):
        net(latents(batch))
    for m in norms:
        m.momentum = 0.1
    net.eval()


@torch.no_grad()
def update_ema(ema: torch.nn.Module, live: torch.nn.Module, step: int, decay: float = 0.999) -> None:
    """ema <- decay * ema + (1 - decay) * live, with a warm-up so early averages are not stale;
    batch-norm statistics are copied from the live network."""
    d = min(decay, (1 + step) / (10 + step))
    for e, p in zip(ema.parameters(), live.parameters()):
        e.lerp_(p, 1 - d)
    for e, b in zip(ema.buffers(), live.buffers()):
        e.copy_(b)
