"""Judges: small CNN classifiers that evaluation and the app use to read generated images.

One checkpoint folder, `checkpoints/judges/`, holds one variant per domain (mnist, fashion, ...).
`features()` (the 128-d penultimate layer) feeds the Frechet distance in `xmgan.evaluate`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import hub
from ..data import class_names
from ..pipeline import config_from_dict


@dataclass
class Config:
    dataset: str = "mnist"
    channels: int = 1
    image_size: int = 28
    n_classes: int = 10
    width: int = 32
    feature_dim: int = 128


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


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
        c = self.config
        if x.shape[1] != c.channels:
            x = x.mean(1, keepdim=True) if c.channels == 1 else x.expand(-1, c.channels, -1, -1)
        if x.shape[-1] != c.image_size:
            x = F.interpolate(x, size=(c.image_size, c.image_size), mode="bilinear", align_corners=False)
        return x

    def features(self, x: torch.Tensor) -> torch.Tensor:  # (B, feature_dim)
        return self.fc(self.body(self.prepare(x)).flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Judges:
    """Lazily loaded judges by domain name; `verdicts()` gives (class name, confidence) per image."""

    def __init__(self, folder=None):
        folder = folder or hub.resolve("judges")
        cfg, tensors = hub.load_checkpoint(folder)
        self.metrics = hub.read_json(folder / "metrics.json")
        self.models: dict[str, Judge] = {}
        for name, vcfg in cfg["variants"].items():
            j = Judge(config_from_dict(Config, vcfg))
            j.load_state_dict(hub.variant_state(tensors, name))
            self.models[name] = j.eval()

    def __getitem__(self, name: str) -> Judge:
        return self.models[name]

    @torch.inference_mode()
    def verdicts(self, name: str, x: torch.Tensor) -> list[tuple[str, float]]:
        p = self.models[name](x.float()).softmax(-1)
        conf, cls = p.max(-1)
        names = class_names(self.models[name].config.dataset)
        return [(names[int(c)], float(q)) for c, q in zip(cls, conf)]


_cache: dict[str, Judges] = {}


def get_judges() -> Judges:
    if "judges" not in _cache:
        _cache["judges"] = Judges()
    return _cache["judges"]


def predict(judge: Judge, x: np.ndarray | torch.Tensor, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features) for float images in [-1, 1], (N, C, H, W)."""
    labels, feats = [], []
    judge.eval()
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            xb = torch.as_tensor(x[i:i + batch]).float()
            f = judge.features(xb)
            labels.append(judge.head(f).argmax(-1).numpy())
            feats.append(f.numpy().astype(np.float64))
    return np.concatenate(labels), np.concatenate(feats)
