"""The live tab's training (xmgan.live): a small DCGAN or conditional GAN on MNIST, and the judge's reading.

The networks are the shipped models' own (xmgan.models.gan / cgan) at a small size; the loss is the
non-saturating GAN loss of Goodfellow et al. (2014) with Adam as in DCGAN (Radford et al., 2016). `Trainer`
is what `xmgan.live.Live` runs in its worker thread; `measure` and `check_presets` are
`python -m xmgan.live --measure` and `--presets`.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, replace

import numpy as np
import torch
import torch.nn.functional as F

from .data import to_uint8
from .errors import XmganError
from .judges import get_judges
from .live import COLUMNS, CONFIDENT, GOALS, PRESETS, ROWS, History, Settings, load_mnist
from .models import cgan, gan

log = logging.getLogger(__name__)


class Trainer:
    """One GAN (or cGAN) and its optimisers; `step()` is one G update after `d_steps` D updates."""

    def __init__(self, settings: Settings, images: np.ndarray, labels: np.ndarray):
        self.s = settings.check()
        torch.manual_seed(self.s.seed)
        self.gen = torch.Generator().manual_seed(self.s.seed)
        mod = cgan if self.s.conditional else gan
        c = mod.Config(width=self.s.width, z_dim=self.s.z_dim)
        # channels-last weights: about 20% more steps per second on one CPU thread here (10.2-11.0 -> 12.1-13.6
        # steps/s measured alternately at a load average of 3); fp32 throughout (bf16 autocast: 1.4 steps/s
        # on this CPU, which has no bf16 instructions)
        self.G = mod.Generator(c).to(memory_format=torch.channels_last)
        self.D = mod.Discriminator(c).to(memory_format=torch.channels_last)
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
