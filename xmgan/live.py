"""Live training for the classroom: a small DCGAN or conditional GAN learns MNIST while a page watches.

The networks are the shipped models' own (xmgan.models.gan / cgan) at a small size; the loss is the
non-saturating GAN loss of Goodfellow et al. (2014) with Adam as in DCGAN (Radford et al., 2016). Every
second the worker records a fixed-noise sample grid (the same z throughout, so the same samples sharpen),
G's and D's losses, D's mean output on real and on generated images, and what the MNIST judge reads in the
grid: the share of confident digits (unconditional) or of samples read as their asked class (conditional),
and how many classes appear (a collapsed generator shows few).

`Live` holds at most one training per process, in one worker thread with one torch thread; it stops by
itself after a time limit, or when its page has not asked for news for a while (the page was closed).
Nothing here writes a file: the shipped weights are never touched.

    python -m xmgan.live --measure                  # the speed goal: seconds to 50% confident digits
    python -m xmgan.live --measure --conditional    # ... to 80% of samples read as their asked class
    python -m xmgan.live --presets                  # 30 s of each preset: what its line says to look for
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from . import plots
from .data import cache_dir, data_dir, load_images, to_uint8
from .errors import XmganError
from .judges import get_judges
from .metrics import LEGIBLE
from .models import cgan, gan
from .pipeline import grid

log = logging.getLogger(__name__)

COLUMNS, ROWS = 10, 6  # the fixed grid: 60 samples; conditional: column c asks for class c
CONFIDENT = LEGIBLE    # a "confident digit": the judge's top class at >= 90% (xmgan.metrics, as evaluation)
TIME_LIMIT_S = float(os.environ.get("XMGAN_LIVE_SECONDS", "300"))  # a training stops by itself after this
IDLE_LIMIT_S = 20.0    # ... or when its page has not asked for news for this long (closed)
REPORT_EVERY_S = 1.0   # a new grid and judge reading about once a second


@dataclass(frozen=True)
class Settings:
    lr_g: float = 1e-3    # DCGAN's 2e-4 reached 15% confident digits in 60 s here, 1e-3 about 30%
    lr_d: float = 1e-3
    batch: int = 32
    conditional: bool = False
    d_steps: int = 1      # D updates per G update
    beta1: float = 0.5    # Adam's first momentum (DCGAN: 0.5)
    width: int = 16       # the shipped models use 32; 16 trains about 3x faster on a CPU
    z_dim: int = 32
    seed: int = 0

    def check(self) -> "Settings":
        for name, low, high in (("lr_g", 1e-6, 1.0), ("lr_d", 1e-6, 1.0)):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not low <= v <= high:
                raise XmganError(f"Learning rate {name[-1].upper()} must be between {low:g} and {high:g}, not {v!r}.")
        if self.batch not in (16, 32, 64, 128):
            raise XmganError(f"Batch size must be 16, 32, 64 or 128, not {self.batch!r}.")
        if not 1 <= int(self.d_steps) <= 10:
            raise XmganError(f"D steps per G step must be between 1 and 10, not {self.d_steps!r}.")
        return self


# Classic failures to show, each with what to look for (the app shows the line beside the preset). What each
# line says was seen in `python -m xmgan.live --presets` (30 s each, seed 0, the shared 2-core CPU).
PRESETS = {
    "Standard (DCGAN recipe)": (Settings(),
        "Noise turns into blobs, then strokes, then digits of every class within a minute; D(real) and "
        "D(fake) stay apart but neither side wins for long."),
    "Mode collapse (G outpaces a slow D)": (Settings(lr_g=5e-3, lr_d=1e-4),
        "Within 10 s every sample in the grid is the same shape, whatever its noise: G found one picture "
        "that fools D, and D(real) and D(fake) both sit near 0.5. The judge finds 1 class (or none) of 10."),
    "D too strong (D learns 25x faster)": (Settings(lr_d=5e-3, d_steps=5, beta1=0.9),
        "D(real) goes to 1, D(fake) to 0 and G's loss climbs past 10: D tells fake from real too easily to "
        "teach G. The grid stays broken strokes; the judge finds 1 or 2 classes at most."),
    "Divergence (learning rate too high)": (Settings(lr_g=2e-2, lr_d=2e-2, beta1=0.9),
        "Within seconds the grid goes blank (all black, later all white) and stays there: the updates "
        "overshoot and G saturates. D(real) 1, D(fake) 0, G's loss 20 and more; the judge reads nothing."),
}
# The speed goal (python -m xmgan.live --measure): 50% of the grid confident digits within 60 s
# (and 8 of the 10 classes among them, so that one collapsed shape read confidently does not count), or,
# conditional, 80% of the grid read as its asked class within 90 s.
GOALS = {False: {"legible": 0.5, "classes": 8, "seconds": 60.0}, True: {"legible": 0.8, "classes": 8, "seconds": 90.0}}


def mnist_status() -> str | None:
    """None when MNIST's npz is here; otherwise one sentence saying where it was looked for."""
    places = [p for p in (data_dir(), cache_dir()) if p]
    if any((p / "mnist.npz").is_file() for p in places):
        return None
    return (f"MNIST is not on this server (looked for mnist.npz in {', '.join(map(str, places)) or '$XMGAN_DATA'}): "
            "set XMGAN_DATA to a folder holding it (see the README's Data section) to train here.")


@dataclass
class History:
    step: list[int] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    loss_d: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    read_step: list[int] = field(default_factory=list)  # judge readings (about once a second)
    legible: list[float] = field(default_factory=list)
    classes: list[int] = field(default_factory=list)


class Trainer:
    """One GAN (or cGAN) and its optimisers; `step()` is one G update after `d_steps` D updates."""

    def __init__(self, settings: Settings, images: np.ndarray, labels: np.ndarray):
        self.s = settings.check()
        torch.manual_seed(self.s.seed)
        self.gen = torch.Generator().manual_seed(self.s.seed)
        mod = cgan if self.s.conditional else gan
        c = mod.Config(width=self.s.width, z_dim=self.s.z_dim)
        self.G, self.D = mod.Generator(c), mod.Discriminator(c)
        betas = (self.s.beta1, 0.999)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=self.s.lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=self.s.lr_d, betas=betas)
        self.images, self.labels = images, labels  # (N, 28, 28) uint8, (N,)
        self.fixed_z = torch.randn(COLUMNS * ROWS, self.s.z_dim, generator=self.gen)
        self.fixed_y = torch.arange(COLUMNS * ROWS) % COLUMNS  # column c asks for class c
        self.history = History()
        self.steps = 0

    def _d(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.D(x, y) if self.s.conditional else self.D(x)

    def _g(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.G(z, y) if self.s.conditional else self.G(z)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        idx = torch.randint(len(self.images), (self.s.batch,), generator=self.gen).numpy()
        x = torch.from_numpy(self.images[idx]).float().div_(127.5).sub_(1.0)[:, None]  # (B, 1, 28, 28)
        return x, torch.from_numpy(self.labels[idx])

    def step(self) -> None:
        b = self.s.batch
        for _ in range(self.s.d_steps):
            x, y = self._batch()
            z = torch.randn(b, self.s.z_dim, generator=self.gen)
            with torch.no_grad():
                fake = self._g(z, y)
            real_logit, fake_logit = self._d(x, y), self._d(fake, y)
            loss_d = (F.binary_cross_entropy_with_logits(real_logit, torch.ones_like(real_logit))
                      + F.binary_cross_entropy_with_logits(fake_logit, torch.zeros_like(fake_logit)))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        z = torch.randn(b, self.s.z_dim, generator=self.gen)
        y = torch.randint(10, (b,), generator=self.gen)
        logit = self._d(self._g(z, y), y)
        loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))  # non-saturating
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self.steps += 1
        h = self.history
        h.step.append(self.steps)
        h.loss_g.append(loss_g.item())
        h.loss_d.append(loss_d.item())
        h.d_real.append(float(real_logit.detach().sigmoid().mean()))
        h.d_fake.append(float(fake_logit.detach().sigmoid().mean()))

    @torch.no_grad()
    def samples(self) -> np.ndarray:
        """The fixed grid's samples -> (60, 28, 28) uint8 (G in training mode: its batch statistics)."""
        return to_uint8(self._g(self.fixed_z, self.fixed_y).numpy())

    def read(self, samples: np.ndarray) -> tuple[float, int]:
        """What the MNIST judge reads in the grid (`legibility`), recorded in the history."""
        share, seen = legibility(samples, self.fixed_y.numpy() if self.s.conditional else None)
        h = self.history
        h.read_step.append(self.steps)
        h.legible.append(share)
        h.classes.append(seen)
        return share, seen


def legibility(images: np.ndarray, asked: np.ndarray | None = None) -> tuple[float, int]:
    """(N, 28, 28) uint8 -> (share legible, classes seen among the legible), as the MNIST judge reads them.
    Legible: a confident digit (top class at >= CONFIDENT), or, given the asked classes, read as asked."""
    x = torch.from_numpy(images).float().div(127.5).sub(1.0)[:, None]
    with torch.inference_mode():
        conf, cls = get_judges()["mnist"](x).softmax(-1).max(-1)
    ok = (cls == torch.as_tensor(asked)) if asked is not None else (conf >= CONFIDENT)
    return float(ok.float().mean()), len(set(cls[ok].tolist()))


def baselines(conditional: bool, n: int = 600) -> dict:
    """The same reading of real MNIST training digits, and of the shipped model's samples (trained for tens
    of minutes) where its weights are here: the scale for the live figure."""
    images, labels = load_mnist()
    asked = np.arange(n) % 10
    if conditional:
        real = np.concatenate([images[labels == c][: n // 10] for c in range(10)])
        out = {"real_mnist": legibility(real, np.repeat(np.arange(10), n // 10))[0]}
    else:
        out = {"real_mnist": legibility(images[:n])[0]}
    try:
        from . import load

        if conditional:
            out["shipped_cgan"] = legibility(load("cgan").images_for(asked, 0, "mnist"), asked)[0]
        else:
            out["shipped_gan"] = legibility(load("gan").images(0, n, "mnist"))[0]
    except XmganError as e:  # no shipped weights here: the real-digit figure alone
        log.info("no shipped model to compare with: %s", e)
    return {k: round(v, 3) for k, v in out.items()}


@dataclass(frozen=True)
class Snapshot:
    """What a page shows: the grid and the curves (uint8 images), the history so far, one status line,
    and whether it runs."""
    grid: np.ndarray | None
    curves: np.ndarray | None
    history: History
    status: str
    state: str  # "idle", "running", "paused", "stopped"
    mine: bool  # this page owns the training


def load_mnist() -> tuple[np.ndarray, np.ndarray]:
    s = load_images("mnist", "train")
    return s.x, s.y


class Live:
    """At most one training per process: `start`, `pause`, `resume`, `step_once`, `reset` by its owner (a
    page's session id); `snapshot(owner)` is the page's poll and tells the worker the page is still open."""

    def __init__(self, time_limit_s: float = TIME_LIMIT_S, idle_limit_s: float = IDLE_LIMIT_S,
                 data=load_mnist):
        self.time_limit_s, self.idle_limit_s, self.data = time_limit_s, idle_limit_s, data
        self.lock = threading.RLock()
        self.trainer: Trainer | None = None
        self.owner: str | None = None
        self.state = "idle"
        self.ended = ""        # why the last training stopped
        self.grid: np.ndarray | None = None
        self.curves: np.ndarray | None = None
        self.started = self.last_seen = self.ended_at = 0.0
        self.thread: threading.Thread | None = None
        self._data: tuple[np.ndarray, np.ndarray] | None = None

    # -- the owner's controls ---------------------------------------------------------------------------
    def busy_for(self, who: str) -> str | None:
        """A sentence for a visitor who may not touch the training now (another page owns it), else None."""
        with self.lock:
            if self.owner and self.owner != who and self.state in ("running", "paused"):
                left = max(0, int(self.started + self.time_limit_s - time.time()))
                return (f"Another visitor is training right now (at most {left} s left); one training runs at a "
                        "time on this server. You are next in line when it ends: press Start again then.")
        return None

    def start(self, who: str, settings: Settings, paused: bool = False) -> None:
        """A fresh training with `settings`, owned by `who`, running (or paused before its first step);
        it replaces who's own earlier one. Checked and claimed under the lock: two Starts, one winner."""
        settings.check()
        with self.lock:
            if msg := self.busy_for(who):
                raise XmganError(msg)
            self.reset(who)
            if self._data is None:
                self._data = self.data()  # DataNotFound says where it looked; MNIST is read once
            self.trainer = Trainer(settings, *self._data)
            self.owner, self.state, self.ended = who, "paused" if paused else "running", ""
            self.started = self.last_seen = time.time()
            self.grid = grid(self.trainer.samples(), nrow=COLUMNS)
            self.thread = threading.Thread(target=self._work, args=(self.trainer,), daemon=True, name="live-train")
            self.thread.start()

    def pause(self, who: str) -> None:
        with self.lock:
            if self._mine(who) and self.state == "running":
                self.state = "paused"

    def resume(self, who: str) -> None:
        with self.lock:
            if self._mine(who) and self.state == "paused":
                self.state = "running"

    def step_once(self, who: str, settings: Settings | None = None) -> None:
        """Pause (or make a paused training) and take exactly one step, then read the grid."""
        if self.trainer is None or self.state in ("idle", "stopped"):
            self.start(who, settings or Settings(), paused=True)
        with self.lock:
            if not self._mine(who):
                raise XmganError(self.busy_for(who) or "There is no training of yours to step.")
            self.state = "paused"
            self.trainer.step()
            self._report(self.trainer)

    def reset(self, who: str) -> None:
        """Stop who's training and forget it (frees the server for the next visitor)."""
        with self.lock:
            if self.owner in (None, who):
                self._stop("reset")
                self.trainer, self.owner, self.grid, self.curves, self.state = None, None, None, None, "idle"

    def page_closed(self, who: str) -> None:
        with self.lock:
            if self.owner == who:
                self._stop("the page was closed")

    # -- the page's view -----------------------------------------------------------------------------
    def snapshot(self, who: str) -> Snapshot:
        with self.lock:
            mine = self.owner == who
            if mine:
                self.last_seen = time.time()
            t = self.trainer
            if t is None or not mine:
                status = self.busy_for(who) or (f"Stopped: {self.ended}." if self.ended and mine else
                                                 "Press Start: a small GAN starts learning MNIST from scratch.")
                return Snapshot(None, None, History(), status, self.state, mine)
            h = t.history
            spent = (self.ended_at if self.state == "stopped" else time.time()) - self.started
            read = (f"judge: {h.legible[-1]:.0%} " + ("read as their asked class" if t.s.conditional else
                    "confident digits") + f", {h.classes[-1]} of 10 classes") if h.legible else "judge: not read yet"
            d = f"D(real) {h.d_real[-1]:.2f} · D(fake) {h.d_fake[-1]:.2f}" if h.step else ""
            state = {"running": "Training", "paused": "Paused", "stopped": f"Stopped ({self.ended})"}[self.state]
            status = f"**{state}** · step {t.steps:,} · {spent:.0f} s · {read} · {d}"
            return Snapshot(self.grid, self.curves, h, status, self.state, mine)

    # -- the worker ----------------------------------------------------------------------------------
    def _mine(self, who: str) -> bool:
        return self.owner == who and self.trainer is not None

    def _stop(self, why: str) -> None:
        if self.state in ("running", "paused"):
            self.state, self.ended, self.ended_at = "stopped", why, time.time()
            log.info("live training stopped: %s", why)

    def _report(self, t: Trainer) -> None:
        samples = t.samples()
        t.read(samples)
        self.grid = grid(samples, nrow=COLUMNS)
        h = t.history
        self.curves = plots.training_curves(h.step, h.loss_g, h.loss_d, h.d_real, h.d_fake, h.read_step, h.legible,
                                            h.classes, "judge: asked class" if t.s.conditional else
                                            "judge: confident digits")

    def _work(self, t: Trainer) -> None:
        torch.set_num_threads(1)  # one core at most, whatever else the server runs
        last = 0.0
        while True:
            with self.lock:
                if self.trainer is not t or self.state == "stopped":
                    return
                now = time.time()
                if now - self.started > self.time_limit_s:
                    self._stop(f"time limit of {self.time_limit_s:.0f} s reached")
                    return
                if now - self.last_seen > self.idle_limit_s:
                    self._stop("the page stopped asking (closed?)")
                    return
                running = self.state == "running"
                if running:
                    t.step()
                    if now - last >= REPORT_EVERY_S:
                        self._report(t)
                        last = now
            # outside the lock: a page's poll or button gets its turn (a lock is not fair to waiters)
            time.sleep(0.0005 if running else 0.05)


def measure(conditional: bool, seconds: float, every_s: float = 5.0) -> dict:
    """Train the Standard preset on one thread as the tab does (judge readings included in the time) and
    report when the issue's goal (GOALS) is first met."""
    torch.set_num_threads(1)
    goal = GOALS[conditional]
    images, labels = load_mnist()
    t = Trainer(replace(PRESETS["Standard (DCGAN recipe)"][0], conditional=conditional), images, labels)
    started, next_read, reached, rows = time.time(), every_s, None, []
    while time.time() - started < seconds:
        t.step()
        if time.time() - started >= next_read:
            share, seen = t.read(t.samples())
            elapsed = time.time() - started
            rows.append((round(elapsed, 1), t.steps, round(share, 3), seen))
            log.info("%6.1f s  step %5d  legible %.0f%%  classes %d", elapsed, t.steps, 100 * share, seen)
            if reached is None and share >= goal["legible"] and seen >= goal["classes"]:
                reached = round(elapsed, 1)
            next_read += every_s
    best = max(rows, key=lambda r: r[2]) if rows else None
    return {"conditional": conditional, "goal": goal, "seconds_to_goal": reached, "goal_met": reached is not None
            and reached <= goal["seconds"], "last": rows[-1] if rows else None, "best": best,
            "steps_per_s": round(t.steps / (time.time() - started), 1), "torch_threads": torch.get_num_threads(),
            "settings": asdict(t.s), "same_reading_of": baselines(conditional)}


def check_presets(seconds: float = 30.0, every_s: float = 10.0) -> dict:
    """Run each preset for `seconds` (one thread) and record, every `every_s`, what its line talks about:
    D's mean outputs and G's loss over the last 50 steps, the judge's reading, the grid's mean pixel and how
    much its 60 samples differ from each other (mean per-pixel std across samples: ~0 when collapsed)."""
    torch.set_num_threads(1)
    images, labels = load_mnist()
    out = {}
    for name, (settings, _) in PRESETS.items():
        t, started, rows = Trainer(settings, images, labels), time.time(), []
        while time.time() - started < seconds:
            t.step()
            if time.time() - started >= every_s * (len(rows) + 1):
                h, last = t.history, slice(-50, None)
                samples = t.samples()
                share, seen = t.read(samples)
                rows.append({"s": round(time.time() - started), "step": t.steps,
                             "d_real": round(float(np.mean(h.d_real[last])), 2),
                             "d_fake": round(float(np.mean(h.d_fake[last])), 2),
                             "loss_g": round(float(np.mean(h.loss_g[last])), 2), "legible": round(share, 2),
                             "classes": seen, "pixel_mean": round(float(samples.mean()), 1),
                             "spread": round(float(samples.astype(np.float32).std(0).mean()), 1)})
                log.info("%s %s", name, rows[-1])
        out[name] = rows
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", action="store_true", help="time the issue's speed goal on this machine")
    ap.add_argument("--presets", action="store_true", help="run each preset for 30 s and print what it shows")
    ap.add_argument("--conditional", action="store_true")
    ap.add_argument("--seconds", type=float, default=None, help="how long to train (default: 60, cGAN 90; presets 30)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if a.presets:
        print(json.dumps(check_presets(a.seconds or 30.0)))
    elif a.measure:
        print(json.dumps(measure(a.conditional, a.seconds or GOALS[a.conditional]["seconds"])))
    else:
        ap.error("nothing to do: pass --measure or --presets")


if __name__ == "__main__":
    main()
