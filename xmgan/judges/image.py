"""The image judges' networks: small classifiers that evaluation and the app use to read images.

Two independent architectures, each with its own front end (a judge reads the image a user would see,
never a model's internal features):
- "cnn" (`Judge`, checkpoints/judges/): a VGG-style CNN (conv-BN-ReLU pairs, max-pooling) on the image in
  [-1, 1] at the domain's own size;
- "resnet_gn" (`JudgeB`, checkpoints/judges_b/): a residual network with group norm, SiLU, strided
  convolutions and global average pooling, on the image resized to 32x32 and standardised per image
  (zero mean, unit variance), trained with random affine warps rather than shifts and another seed.
`features()` (the penultimate layer) feeds the Frechet distance (`xmgan.metrics.fd_block`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class Config:
    dataset: str = "mnist"
    channels: int = 1
    image_size: int = 28
    n_classes: int = 10
    width: int = 32
    feature_dim: int = 128
    arch: str = "cnn"  # "cnn" (judges/) or "resnet_gn" (judges_b/)


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


def fit(x: torch.Tensor, channels: int, side: int) -> torch.Tensor:
    """Any (B, C, H, W) batch -> (B, channels, side, side): colour averaged to grey or grey replicated,
    resized bilinearly."""
    if x.shape[1] != channels:
        x = x.mean(1, keepdim=True) if channels == 1 else x.expand(-1, channels, -1, -1)
    if x.shape[-1] != side:
        x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False)
    return x


class Judge(nn.Module):
    """x (B, C, S, S) in [-1, 1] -> logits (B, n_classes)."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(_block(config.channels, w), _block(w, 2 * w))
        side = config.image_size // 4
        self.fc = nn.Linear(2 * w * side * side, config.feature_dim)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.3), nn.Linear(config.feature_dim, config.n_classes))

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """Bring any (B, C, H, W) batch to this judge's channels and size."""
        return fit(x, self.config.channels, self.config.image_size)

    def features(self, x: torch.Tensor) -> torch.Tensor:  # (B, feature_dim)
        return self.fc(self.body(self.prepare(x)).flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _gn_block(cin: int, cout: int, stride: int) -> nn.Module:
    return _Residual(cin, cout, stride)


class _Residual(nn.Module):
    """Pre-activation residual block: GN-SiLU-conv(stride)-GN-SiLU-conv, 1x1 strided shortcut."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(8, cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
            nn.GroupNorm(8, cout), nn.SiLU(), nn.Conv2d(cout, cout, 3, 1, 1, bias=False))
        self.skip = nn.Conv2d(cin, cout, 1, stride, bias=False) if (cin != cout or stride != 1) else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x) + self.body(x)


class JudgeB(nn.Module):
    """The second judge: x (B, C, S, S) in [-1, 1] -> logits (B, n_classes), through its own front end
    (32x32 bilinear, per-image standardisation) and a residual group-norm network with global pooling."""

    SIDE = 32

    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        w = config.width
        self.stem = nn.Conv2d(config.channels, w, 4, 2, 1, bias=False)                    # 16
        self.body = nn.Sequential(_gn_block(w, w, 1), _gn_block(w, 2 * w, 2),                # 8
                                  _gn_block(2 * w, 4 * w, 2),                                # 4
                                  nn.GroupNorm(8, 4 * w), nn.SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(4 * w, config.feature_dim)
        self.head = nn.Sequential(nn.SiLU(), nn.Linear(config.feature_dim, config.n_classes))

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        x = fit(x, self.config.channels, self.SIDE)
        mean = x.mean((1, 2, 3), keepdim=True)
        std = x.std((1, 2, 3), keepdim=True).clamp_min(1e-3)
        return (x - mean) / std

    def features(self, x: torch.Tensor) -> torch.Tensor:  # (B, feature_dim)
        return self.fc(self.body(self.stem(self.prepare(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


ARCHS = {"cnn": Judge, "resnet_gn": JudgeB}


def build_judge(config: Config) -> nn.Module:
    return ARCHS[config.arch](config)


def read(judge: nn.Module, x: np.ndarray | torch.Tensor, batch: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, confidences, features) for float images in [-1, 1], (N, C, H, W); a confidence is the
    softmax probability of the label, as `Judges.verdicts` gives it."""
    labels, confs, feats = [], [], []
    judge.eval()
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            xb = torch.as_tensor(x[i:i + batch]).float()
            f = judge.features(xb)
            conf, cls = judge.head(f).softmax(-1).max(-1)
            labels.append(cls.numpy())
            confs.append(conf.numpy().astype(np.float64))
            feats.append(f.numpy().astype(np.float64))
    return np.concatenate(labels), np.concatenate(confs), np.concatenate(feats)


def predict(judge: nn.Module, x: np.ndarray | torch.Tensor, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) for float images in [-1, 1], (N, C, H, W)."""
    labels, _, feats = read(judge, x, batch)
    return labels, feats
