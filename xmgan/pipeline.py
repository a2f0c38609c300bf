"""Pipeline base: builds a model's networks from a checkpoint folder and runs them for inference.

Subclasses set `Config` (a dataclass whose fields are the saved constructor kwargs) and `build(config)`
(returns an nn.ModuleDict, e.g. {"G": ..., "D": ...}). Pipelines take and return plain values (ints,
uint8 numpy arrays) and run on the CPU in float32 under `torch.inference_mode()`.
"""
from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np
import torch
from torch import nn

from . import hub
from .data import to_float
from .errors import XmganError
from .images import grid
from .judges import get_judges
from .registry import ModelSpec
from .weights import load_variants

__all__ = ["Pipeline", "Route", "seeded_normal", "grid", "animation"]


@dataclass(frozen=True)
class Route:
    """One way a translator can take a user's picture (the Compare tab, xmgan.compare): from `source` into
    `target` with variant `variant`; `key` names its entry in metrics.json; `run(image)` gives the output
    as a uint8 image and the target judge's reading of it ("7 · 99%")."""
    model: str
    variant: str
    key: str
    source: str
    target: str
    label: str  # e.g. "CycleGAN (usps_mnist, A → B)"
    run: Callable[[Any], tuple[np.ndarray, str]]


class Pipeline:
    spec: ClassVar[ModelSpec]
    Config: ClassVar[type]
    goals: ClassVar[dict[str, dict]] = {}  # per variant, e.g. {"mnist": {"accuracy": 0.99, "fd_ratio_max": 2}}

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config) -> torch.Tensor:  # pragma: no cover - every model overrides
        """A scalar through every network on a tiny random batch (tests: shapes, finite, gradients reach
        each network). Models assert their own output shapes inside."""
        raise NotImplementedError

    def routes(self, source: str) -> list[Route]:
        """Every way this model translates a picture of the `source` domain (translators override)."""
        return []

    def evaluate(self, variant: str) -> dict:  # pragma: no cover - every model overrides
        """Metrics of one variant on held-out data (called by `python -m xmgan.evaluate <id>`)."""
        raise NotImplementedError

    @staticmethod
    def build(config) -> nn.ModuleDict:  # pragma: no cover - every model overrides
        raise NotImplementedError

    def __init__(self, nets: dict[str, nn.ModuleDict], configs: dict[str, Any],
                 metrics: dict | None = None, card: str = "", extra: dict | None = None):
        self.nets = {k: v.eval() for k, v in nets.items()}
        self.configs = configs
        self.metrics = metrics or {}
        self.card = card
        self.extra = extra or {}  # per-variant saved facts beyond the constructor kwargs (training info)

    @property
    def variants(self) -> list[str]:
        return list(self.nets)

    def variant(self, variant: str | None = None) -> str:
        """A user-given variant name, checked (None: the first one)."""
        variant = variant or self.variants[0]
        if variant not in self.nets:
            raise XmganError(f"{self.spec.id} has no variant {variant!r}; choose one of {', '.join(self.variants)}.")
        return variant

    def net(self, variant: str | None = None) -> nn.ModuleDict:
        return self.nets[self.variant(variant)]

    def config(self, variant: str | None = None):
        return self.configs[self.variant(variant)]

    def dataset(self, variant: str | None = None) -> str:
        return self.config(variant).dataset

    def captioned(self, images: np.ndarray, variant: str | None = None) -> list[tuple[np.ndarray, str]]:
        """Pair each generated uint8 image with the judge's verdict, e.g. "7 · 99%"."""
        verdicts = get_judges().verdicts(self.dataset(variant), torch.from_numpy(to_float(images)))
        return [(im, f"{name} · {conf:.0%}") for im, (name, conf) in zip(images, verdicts)]

    @staticmethod
    def check_count(n, low: int = 1, high: int = 64, what: str = "Count") -> int:
        """A user-given number of images, checked: an int in [low, high]."""
        try:
            n = int(n)
        except (TypeError, ValueError):
            raise XmganError(f"{what} must be a whole number between {low} and {high}.") from None
        if not low <= n <= high:
            raise XmganError(f"{what} must be between {low} and {high}, not {n}.")
        return n

    @classmethod
    def from_pretrained(cls, folder: str | Path | None = None) -> "Pipeline":
        folder = Path(folder) if folder else hub.resolve(cls.spec.id)
        nets, configs, extra = load_variants(folder, cls.Config, cls.build, order=cls.spec.variants)
        if not nets:
            raise XmganError(f"{folder}/config.json lists no trained variants.")
        card = (folder / "README.md").read_text() if (folder / "README.md").is_file() else ""
        return cls(nets, configs, hub.read_json(folder / "metrics.json"), card, extra)

    @classmethod
    def config_for(cls, variant: str):
        """The default configuration of one variant (a model whose variants are tasks overrides this)."""
        return cls.Config(dataset=variant)

    @classmethod
    def random_init(cls, configs: dict[str, Any], seed: int = 0) -> "Pipeline":
        """Untrained networks: for tests and the first training step only, never for the app."""
        torch.manual_seed(seed)
        return cls({v: cls.build(c) for v, c in configs.items()}, configs)


def seeded_normal(shape: tuple[int, ...], seed) -> torch.Tensor:
    """Standard normal noise that depends only on `seed` (a whole number in [0, 2**31))."""
    try:
        ok = float(seed) == int(seed) and 0 <= int(seed) < 2**31
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise XmganError(f"Seed must be a whole number from 0 to {2**31 - 1}, not {seed!r}.")
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(shape, generator=g)


def animation(frames: np.ndarray, captions: list[str], scale: int = 12, ms: int = 90) -> str:
    """(N, H, W) uint8 frames -> the path of a looping animated GIF, each frame enlarged `scale` times with
    crisp pixels (28 px -> 336 px: large enough for a projector) and its caption written under it."""
    import tempfile

    from PIL import Image, ImageDraw, ImageFont

    n, h, w = frames.shape[:3]
    side, band = w * scale, max(36, scale * 4)
    font = ImageFont.load_default(size=band * 2 // 3)
    pictures = []
    for frame, caption in zip(frames, captions):
        canvas = Image.new("L", (side, h * scale + band), 0)
        canvas.paste(Image.fromarray(frame).resize((side, h * scale), Image.NEAREST), (0, 0))
        draw = ImageDraw.Draw(canvas)
        draw.text((side // 2, h * scale + band // 2), caption, fill=255, font=font, anchor="mm")
        pictures.append(canvas)
    folder = Path(tempfile.gettempdir()) / "xmgan-animations"
    folder.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".gif", delete=False) as f:
        pictures[0].save(f, format="GIF", save_all=True, append_images=pictures[1:], duration=ms, loop=0)
    return f.name
