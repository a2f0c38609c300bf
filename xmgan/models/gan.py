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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import load_images, to_float, to_uint8
from ..judges import get_judges, read, real_features
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

    def images(self, seed: int = 0, count: int = 16, variant: str | None = None) -> np.ndarray:
        """`count` digits from one seed -> (count, 28, 28) uint8."""
        return to_uint8(self.generate(self.latents(seed, count, variant), variant).numpy())

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
        """FD of n samples vs the real test set (beside its floor), the share the judge reads with >= 90%
        confidence (beside that of the real test set) and the judge's class coverage."""
        judge = get_judges()[self.dataset(variant)]
        imgs = np.concatenate([self.images(seed=s, count=500, variant=variant) for s in range(n // 500)])
        labels, conf, feats = read(judge, to_float(imgs))
        _, conf_real, _ = read(judge, to_float(load_images(self.dataset(variant), "test").x))
        return {"n_generated": len(imgs), **fd_block(feats, *real_features(judge, self.dataset(variant))),
                "legible_rate": legible_rate(conf), "real_baseline_legible_rate": legible_rate(conf_real),
                **class_coverage(labels, judge.config.n_classes)}
