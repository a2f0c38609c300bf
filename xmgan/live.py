"""Live training for the classroom: a small DCGAN or conditional GAN learns MNIST while a page watches.

This module is what the tab shows and controls, and imports no torch (the app builds the tab without it):
the settings and presets, and `Live`, which holds at most one training per process, in one worker thread
with one torch thread; it stops by itself after a time limit, or when its page has not asked for news for a
while (the page was closed). Every second the worker records a fixed-noise sample grid (the same z
throughout, so the same samples sharpen), G's and D's losses, D's mean output on real and on generated
images, and what the MNIST judge reads in the grid: the share of confident digits (unconditional) or of
samples read as their asked class (conditional), and how many classes appear (a collapsed generator shows
few). The training itself, with torch, is `xmgan.live_train` (imported on the first Start). Nothing here
writes a file: the shipped weights are never touched.

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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import plots
from .data import cache_dir, data_dir, load_images
from .errors import XmganError
from .images import grid
from .metrics import LEGIBLE

if TYPE_CHECKING:
    from .live_train import Trainer

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
        from .live_train import Trainer  # torch: imported on the first Start, not while the page builds

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
        import torch

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", action="store_true", help="time the issue's speed goal on this machine")
    ap.add_argument("--presets", action="store_true", help="run each preset for 30 s and print what it shows")
    ap.add_argument("--conditional", action="store_true")
    ap.add_argument("--seconds", type=float, default=None, help="how long to train (default: 60, cGAN 90; presets 30)")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from .live_train import check_presets, measure  # torch

    if a.presets:
        print(json.dumps(check_presets(a.seconds or 30.0)))
    elif a.measure:
        print(json.dumps(measure(a.conditional, a.seconds or GOALS[a.conditional]["seconds"])))
    else:
        ap.error("nothing to do: pass --measure or --presets")


if __name__ == "__main__":
    main()
