"""`gan`: an unconditional DCGAN-style GAN on MNIST.

Goodfellow et al., "Generative Adversarial Nets" (2014), trained with the paper's non-saturating
generator loss (maximise log D(G(z))); networks after Radford et al.'s DCGAN guidelines (strided
(transposed) convolutions, batch norm, ReLU in G, LeakyReLU in D, tanh output), sized for 28x28 digits on
a CPU. Not implemented: the paper's MLP/maxout networks and its Parzen-window evaluation (we use the
Frechet distance on judge features instead, see xmgan.evaluate).

The EMA generator's batch-norm statistics are re-estimated for the averaged weights after training
(train/common.recompute_bn). Done for the shipped weights, this moved their FD ratio only from 15.27 to
15.11 (10,000 samples), so stale statistics were not what held them back. Training was: the same recipe
continued from those weights for 27,216 more steps (43,216 in all, 158 min on one CPU thread) took the FD
ratio from 15.27 to 7.59 and the share of samples the judge reads at >= 90% confidence from about 51% to
60.6% (real test digits: 94.5%); a third stage of 8,197 steps (22 min; 51,413 steps, 180 min in all) took
them to 7.35 and 60.9%: the gain per minute has flattened, and the issue's goals (FD ratio 3, 90%) are out of
reach of this width-32 recipe.

The shipped weights (since 2026-11-24) come from a second recipe, trained on a lent GPU (NVIDIA H100) by
train/gpu_job.sh: `--width 64 --spectral-norm --loss hinge --beta1 0 --batch 128`, the same generator shape
twice as wide, and a discriminator with spectral normalisation (Miyato et al., ICLR 2018) in place of batch
norm, trained with the hinge loss; three time-boxed stages of 8 minutes (53,153 steps, 24 min, with the other
GPU trainings of that job sharing the card). `python -m xmgan.evaluate gan`: FD ratio 7.35 -> 2.10 (goal 3:
met), legible 60.9% -> 76.3% (goal 90: missed; real test digits 94.5%), all 10 classes, label entropy 3.32 bits.

The tab's sampler (since 2026-11-24, not in the papers) is gated by the GAN's own discriminator, a hard form
of Azadi et al.'s discriminator rejection sampling (ICLR 2019): a seed draws candidates and keeps those D
scores at least as high as 99% of the real training digits (`d_gate`, computed by train/train_gan.py at
export from D and the training set only; about 92% of draws pass). `python -m xmgan.evaluate gan`, same
weights, 10,000 samples: legible 76.3% -> 80.6% (the lower of the two judge sets; judge b 80.9% -> 84.3%), FD
ratio 2.10 -> 1.73, all 10 classes; G's raw draws are kept beside them as `*_ungated_baseline`. Stricter
gates read better but skew the digits: on 20,000 draws, keeping what beats 5% of real digits gave 85.2%
legible at FD ratio 2.54, 10% gave 87.8% at 4.2 (over the goal of 3), 25% gave 91.7% at 10.7; the 1% gate
is the one that improves both figures. A calibrated gate (a logistic head on D's features, real training
digits against G's, as the paper does) separated them only 64% of the time on held-out draws and raised
the FD ratio (3.2 at 77% kept). Truncation (z -> psi z) does not help this unconditional G: on 2,000 draws
legibility is 75.8% at psi 1, 76.2% at 0.9, 73.2% at 0.5, 57.9% at 0.3 (the middle of z is where classes
blend).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import load_images, to_float, to_uint8
from ..judges import available, get_judges, read, real_features
from ..metrics import class_coverage, fd_block, legible_rate
from ..pipeline import Pipeline, animation, grid, seeded_normal
from ..registry import register


@dataclass
class Config:
    dataset: str = "mnist"
    z_dim: int = 64
    width: int = 32       # channels of the last hidden layer; earlier layers have 2x, 4x
    channels: int = 1
    image_size: int = 28  # 7 * 2 * 2
    spectral_norm: bool = False  # D: spectral norm instead of batch norm (round 2)
    d_gate: float | None = None  # the sampler keeps draws D scores >= this (d_gate_of); None: keeps every draw


class Generator(nn.Module):
    """z (B, z_dim) -> image (B, C, 28, 28) in [-1, 1]."""

    def __init__(self, c: Config):
        super().__init__()
        w = c.width
        self.fc = nn.Sequential(nn.Linear(c.z_dim, 4 * w * 7 * 7, bias=False), nn.BatchNorm1d(4 * w * 7 * 7), nn.ReLU(True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(True),  # 14x14
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),  # 28x28
            nn.Conv2d(w, c.channels, 3, 1, 1), nn.Tanh(),
        )
        self.w = w

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(z).view(len(z), 4 * self.w, 7, 7))


class Discriminator(nn.Module):
    """image (B, C, 28, 28) -> logit (B,) of "real"."""

    def __init__(self, c: Config):
        super().__init__()
        w = c.width
        if c.spectral_norm:  # every layer's largest singular value held at 1: a 1-Lipschitz-ish critic
            sn = nn.utils.parametrizations.spectral_norm
            self.net = nn.Sequential(
                sn(nn.Conv2d(c.channels, w, 4, 2, 1)), nn.LeakyReLU(0.1, True),  # 14x14
                sn(nn.Conv2d(w, 2 * w, 4, 2, 1)), nn.LeakyReLU(0.1, True),  # 7x7
                sn(nn.Conv2d(2 * w, 4 * w, 3, 2, 1)), nn.LeakyReLU(0.1, True),  # 4x4
                nn.Flatten(), sn(nn.Linear(4 * w * 16, 1)),
            )
            return
        self.net = nn.Sequential(
            nn.Conv2d(c.channels, w, 4, 2, 1), nn.LeakyReLU(0.2, True),  # 14x14
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),  # 7x7
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, True),  # 4x4
            nn.Flatten(), nn.Linear(4 * w * 16, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


GATE_QUANTILE = 0.01  # the gate: D's score that 99% of real training digits reach


def d_gate_of(D: nn.Module, real: torch.Tensor, quantile: float = GATE_QUANTILE, batch: int = 1000) -> float:
    """The sampler's gate for a trained D: the `quantile` of D's scores on real training digits (N, C, 28,
    28) in [-1, 1]. A draw D scores below it looks less real to D than 99% of the real digits it was
    trained on. Only D and training data decide it, never an evaluation judge."""
    with torch.inference_mode():
        scores = torch.cat([D(real[i:i + batch]).float() for i in range(0, len(real), batch)])
    return round(float(torch.quantile(scores, quantile)), 6)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between two Gaussian latents, one per t: (T, D)."""
    omega = torch.arccos((a / a.norm() * b / b.norm()).sum().clamp(-1, 1))
    so = torch.sin(omega)
    if so.abs() < 1e-6:
        return (1 - t)[:, None] * a + t[:, None] * b
    return (torch.sin((1 - t) * omega) / so)[:, None] * a + (torch.sin(t * omega) / so)[:, None] * b


@register("gan")
class GanPipeline(Pipeline):
    Config = Config
    goals = {"mnist": {"fd_ratio_max": 3.0, "legible_rate": 0.9, "classes_covered": 10}}  # issue 17

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        return nn.ModuleDict({"G": Generator(config), "D": Discriminator(config)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        fake = nets["G"](torch.randn(4, config.z_dim))
        assert fake.shape == (4, config.channels, config.image_size, config.image_size)
        logits = nets["D"](fake)
        assert logits.shape == (4,)
        return logits.mean()

    @torch.inference_mode()
    def generate(self, z: torch.Tensor, variant: str | None = None) -> torch.Tensor:
        return self.net(variant)["G"](z)

    def latents(self, seed: int, n: int, variant: str | None = None) -> torch.Tensor:
        return seeded_normal((n, self.config(variant).z_dim), seed)

    def images(self, seed: int = 0, count: int = 16, variant: str | None = None, gated: bool = True) -> np.ndarray:
        """`count` digits from one seed -> (count, 28, 28) uint8. With the checkpoint's gate (and `gated`),
        the seed draws 2 * count + 8 candidates and keeps, in draw order, the first `count` that the GAN's
        own D scores at or above the gate (about 92% pass); if too few pass, the best-scored of the rest
        fill the gap (never in practice), so the call cannot loop or fail. Ungated: G(z) of the first
        `count` draws."""
        gate = self.config(variant).d_gate
        if gate is None or not gated:
            return to_uint8(self.generate(self.latents(seed, count, variant), variant).numpy())
        x, score = self.scored(self.latents(seed, 2 * count + 8, variant), variant)
        passed = np.flatnonzero(score >= gate)
        rest = np.setdiff1d(np.arange(len(score)), passed)
        keep = np.concatenate([passed, rest[np.argsort(-score[rest], kind="stable")]])[:count]
        return to_uint8(x[keep])

    @torch.inference_mode()
    def scored(self, z: torch.Tensor, variant: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """G(z) (N, C, 28, 28) in [-1, 1] and D's score of each (N,)."""
        nets = self.net(variant)
        x = nets["G"](z)
        return x.numpy(), nets["D"](x).float().numpy()

    def sample(self, seed: int = 0, count: int = 16, variant: str | None = None) -> list[tuple[np.ndarray, str]]:
        """The tab's gallery: each digit with the judge's verdict."""
        count = self.check_count(count)
        return self.captioned(self.images(seed, count, variant), variant)

    def interpolate(self, seed: int = 0, seed_b: int = 1, steps: int = 10, variant: str | None = None) -> np.ndarray:
        """Digits along the path from seed's z to seed_b's z, tiled in one row -> uint8 image."""
        steps = self.check_count(steps, low=2, high=32, what="Steps")
        a, b = self.latents(seed, 1, variant)[0], self.latents(seed_b, 1, variant)[0]
        z = slerp(a, b, torch.linspace(0, 1, steps))
        return grid(to_uint8(self.generate(z, variant).numpy()), nrow=steps)

    def walk(self, seed: int = 0, seed_b: int = 1, frames: int = 48, variant: str | None = None) -> str:
        """An animated GIF (its path): z walks a great circle from seed's to seed_b's and back, eased at
        both ends; each frame captioned with the judge's reading."""
        a, b = self.latents(seed, 1, variant)[0], self.latents(seed_b, 1, variant)[0]
        half = frames // 2
        t = (1 - torch.cos(torch.linspace(0, torch.pi, half))) / 2  # ease in and out
        z = slerp(a, b, torch.cat([t, t.flip(0)]))
        shown = to_uint8(self.generate(z, variant).numpy())
        return animation(shown, [caption for _, caption in self.captioned(shown, variant)])

    def evaluate(self, variant: str, n: int = 10000) -> dict:
        """n samples from the tab's sampler (gated, seeds 0, 1, ...): FD vs the real test set (beside its
        floor), the share each judge set reads with >= 90% confidence (`legible_rate` the lower of the two,
        beside that of the real test set) and the first judge's class coverage; the same figures for G
        alone (`*_ungated_baseline`: the first n draws of the same seeds, every one kept) beside them, and
        `gate_pass_rate`, the share of draws the gate keeps."""
        data = self.dataset(variant)
        sets = [get_judges(name)[data] for name in available(data)]
        real_test = to_float(load_images(data, "test").x)
        out: dict = {"n_generated": n}
        for tag, gated in (("", True), ("_ungated_baseline", False)):
            imgs = np.concatenate([self.images(seed=s, count=500, variant=variant, gated=gated)
                                   for s in range(n // 500)])
            reads = [read(judge, to_float(imgs)) for judge in sets]
            rates = [legible_rate(conf) for _, conf, _ in reads]
            labels, _, feats = reads[0]
            fd = fd_block(feats, *real_features(sets[0], data))
            out |= {f"fd{tag}": fd["fd"], f"fd_ratio{tag}": fd["fd_ratio"], f"legible_rate{tag}": min(rates),
                    **{f"legible_rate_judge_{'ab'[i]}{tag}": r for i, r in enumerate(rates)}}
            if gated:
                out |= {"fd_floor_train_vs_test": fd["fd_floor_train_vs_test"],
                        "real_baseline_legible_rate": min(legible_rate(read(j, real_test)[1]) for j in sets),
                        **class_coverage(labels, sets[0].config.n_classes)}
        if self.config(variant).d_gate is not None:
            score = np.concatenate([self.scored(self.latents(s, 1008, variant), variant)[1] for s in range(n // 500)])
            out["gate_pass_rate"] = round(float((score >= self.config(variant).d_gate).mean()), 4)
        return out
