"""`cgan`: conditional GAN, label -> image, on MNIST and Fashion-MNIST (one variant each).

Mirza & Osindero, "Conditional Generative Adversarial Nets" (2014): the condition y (a one-hot class) is
fed to both networks, G(z, y) and D(x, y), and the minimax game is played on the conditional densities.
Implemented: y concatenated to z at G's input; y concatenated to D's input as 10 constant planes and
again to D's last hidden features; non-saturating G loss. Changed from the paper for quality per CPU
minute: convolutional DCGAN-style networks instead of the paper's MLPs with maxout/dropout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data import class_names, to_float, to_uint8
from ..errors import XmganError
from ..judges import get_judges, predict, real_features
from ..metrics import accuracy_report, class_coverage, fd_block
from ..pipeline import Pipeline, animation, grid, seeded_normal
from ..registry import register


@dataclass
class Config:
    dataset: str = "mnist"
    n_classes: int = 10
    z_dim: int = 64
    width: int = 32
    channels: int = 1
    image_size: int = 28


class Generator(nn.Module):
    """(z (B, z_dim), y (B,) int) -> image (B, C, 28, 28) in [-1, 1]."""

    def __init__(self, c: Config):
        super().__init__()
        w, self.w, self.n_classes = c.width, c.width, c.n_classes
        self.fc = nn.Sequential(nn.Linear(c.z_dim + c.n_classes, 4 * w * 49, bias=False),
                                nn.BatchNorm1d(4 * w * 49), nn.ReLU(True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(True),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.Conv2d(w, c.channels, 3, 1, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """y: class indices (B,), or soft labels (B, n_classes) float (the latent walk blends two classes)."""
        onehot = y.to(z.dtype) if y.is_floating_point() else F.one_hot(y, self.n_classes).to(z.dtype)
        h = self.fc(torch.cat([z, onehot], 1))
        return self.net(h.view(len(z), 4 * self.w, 7, 7))


class Discriminator(nn.Module):
    """(image (B, C, 28, 28), y (B,)) -> logit (B,) of "real and of class y"."""

    def __init__(self, c: Config):
        super().__init__()
        w, self.n_classes = c.width, c.n_classes
        self.net = nn.Sequential(
            nn.Conv2d(c.channels + c.n_classes, w, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2, True),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1, bias=False), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.2, True),
            nn.Flatten(),
        )
        self.out = nn.Linear(4 * w * 16 + c.n_classes, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        onehot = F.one_hot(y, self.n_classes).to(x.dtype)
        planes = onehot[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])  # (B, 10, H, W)
        h = self.net(torch.cat([x, planes], 1))
        return self.out(torch.cat([h, onehot], 1)).squeeze(1)


@register("cgan")
class CganPipeline(Pipeline):
    Config = Config
    goals = {"mnist": {"accuracy": 0.99, "fd_ratio_max": 2.0}, "fashion": {"accuracy": 0.90, "fd_ratio_max": 2.0}}

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        return nn.ModuleDict({"G": Generator(config), "D": Discriminator(config)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        y = torch.tensor([0, 1, 2, config.n_classes - 1])
        fake = nets["G"](torch.randn(4, config.z_dim), y)
        assert fake.shape == (4, config.channels, config.image_size, config.image_size)
        logits = nets["D"](fake, y)
        assert logits.shape == (4,)
        return logits.mean()

    def class_names(self, variant: str | None = None) -> list[str]:
        return class_names(self.dataset(variant))

    def check_label(self, label, variant: str | None = None) -> int:
        names = self.class_names(variant)
        if isinstance(label, str) and label in names:
            return names.index(label)
        try:
            y = int(label)
        except (TypeError, ValueError):
            y = -1
        if not 0 <= y < len(names):
            raise XmganError(f"Class must be one of {', '.join(names)} (or its index 0-{len(names) - 1}), not {label!r}.")
        return y

    @torch.inference_mode()
    def images_for(self, labels: np.ndarray | list[int], seed: int = 0, variant: str | None = None) -> np.ndarray:
        """One image per label, noise from `seed` -> (N, 28, 28) uint8."""
        y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        z = seeded_normal((len(y), self.config(variant).z_dim), seed)
        return to_uint8(self.net(variant)["G"](z, y).numpy())

    def generate(self, label=0, seed: int = 0, count: int = 8, variant: str | None = None) -> list[tuple[np.ndarray, str]]:
        """`count` images of one class, each with the judge's verdict."""
        y, count = self.check_label(label, variant), self.check_count(count)
        return self.captioned(self.images_for([y] * count, seed, variant), variant)

    def class_grid(self, seed: int = 0, per_class: int = 8, variant: str | None = None) -> np.ndarray:
        """One row per class, `per_class` images in each -> one uint8 image."""
        n = len(self.class_names(variant))
        labels = np.repeat(np.arange(n), per_class)
        return grid(self.images_for(labels, seed, variant), nrow=per_class)

    @torch.inference_mode()
    def walk(self, label=0, label_b=1, seed: int = 0, frames: int = 48, variant: str | None = None) -> str:
        """An animated GIF (its path): one noise vector from `seed`, the label blended from one class to the
        other and back (soft one-hot labels), eased at both ends; each frame captioned with the judge's reading."""
        y_a, y_b = self.check_label(label, variant), self.check_label(label_b, variant)
        c = self.config(variant)
        half = frames // 2
        t = (1 - torch.cos(torch.linspace(0, torch.pi, half))) / 2
        t = torch.cat([t, t.flip(0)])[:, None]  # (frames, 1)
        eye = torch.eye(c.n_classes)
        soft = (1 - t) * eye[y_a] + t * eye[y_b]  # (frames, n_classes)
        z = seeded_normal((1, c.z_dim), seed).expand(len(t), -1)
        shown = to_uint8(self.net(variant)["G"](z, soft).numpy())
        return animation(shown, [caption for _, caption in self.captioned(shown, variant)])

    def evaluate(self, variant: str, n: int = 10000) -> dict:
        """n images, n/10 per class: the judge's accuracy on the requested class, FD, coverage."""
        judge = get_judges()[self.dataset(variant)]
        k = judge.config.n_classes
        asked = np.repeat(np.arange(k), n // k)
        imgs = np.concatenate([self.images_for(asked[i:i + 500], seed=i, variant=variant)
                               for i in range(0, len(asked), 500)])
        labels, feats = predict(judge, to_float(imgs))
        return {
            "n_generated": len(imgs),
            **accuracy_report(labels, asked, range(k)),
            **fd_block(feats, *real_features(judge, self.dataset(variant))),
            **class_coverage(labels, k),
        }
