"""The Compare tab's work: one picture through every registered translator at once.

Every registered model whose task is "image->image" lists the ways it can take a picture of a domain
(`Pipeline.routes(source)`); a drawing is handwriting, which MNIST and USPS frame alike, so it goes through
the routes of both. Each output is captioned with the target judge's reading and with what the model
measured for that direction on held-out data (checkpoints/<id>/metrics.json): the digit (or class) kept,
and for a drawing the same figure on test digits drawn as on the canvas (`drawn_accuracy`) where measured.

    from xmgan.compare import Comparison
    Comparison().compare(image="examples/mnist/3.png", source="handwriting")  # [(uint8 image, caption), ...]
"""
from __future__ import annotations

import numpy as np
import torch

from . import load
from .domains import NAMES
from .errors import XmganError
from .data import to_uint8
from .judges import get_judges
from .images import digit_like_mnist, photo_like
from .pipeline import Route
from .registry import get_spec, list_models
from .specs.compare import SOURCES, SPEC

TARGET_NAMES = {**NAMES, "fashion": "Fashion-MNIST"}


def translators() -> list[str]:
    """The registered models that translate pictures (task "image->image"), in tab order."""
    return [m for m in list_models() if get_spec(m).task == "image->image"]


def routes(source: str) -> list[Route]:
    """Every route of every translator from `source` ("handwriting", "mnist_m" or "printed"); for
    handwriting, each (model, variant, target) once: a drawing is framed alike as MNIST or as USPS."""
    if source not in SOURCES:
        raise XmganError(f"Source must be one of {', '.join(SOURCES)}, not {source!r}.")
    out, seen = [], set()
    for model_id in translators():
        pipe = load(model_id)
        for domain in SOURCES[source]:
            for r in pipe.routes(domain):
                if (r.model, r.variant, r.target) not in seen:
                    seen.add((r.model, r.variant, r.target))
                    out.append(r)
    return out


def measured(route: Route, drawn: bool) -> str:
    """What metrics.json says of this direction, as one line: the lower judge's digit (or class) kept on
    the test set, and on drawn test digits where that was measured."""
    m = load(route.model).metrics.get(route.key, {})
    if "accuracy" not in m:
        return "measured: not evaluated"
    text = f"measured: {m['accuracy']:.1%} kept on the {TARGET_NAMES.get(route.source, route.source)} test set"
    if drawn and "drawn_accuracy" in m:
        text += f", {m['drawn_accuracy']:.1%} on drawn digits"
    return text


def as_rgb(image: np.ndarray, side: int = 32) -> np.ndarray:
    """A grey (H, W) or RGB (H, W, 3) uint8 image -> RGB, padded to side x side (the tiles line up)."""
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    p = (side - image.shape[0]) // 2
    if p > 0:
        image = np.pad(image, ((p, side - image.shape[0] - p), (p, side - image.shape[1] - p), (0, 0)))
    return image


class Comparison:
    """A pipeline-like object for the app: `compare(source, image)` is the tab's one button."""

    spec = SPEC

    def compare(self, source: str = "handwriting", image=None) -> list[tuple[np.ndarray, str]]:
        """[the input as a 28x28 handwriting frame (or the whole picture), then one tile per route]."""
        all_routes = routes(source)  # unknown source -> a sentence before any work
        x = digit_like_mnist(image, 28) if source == "handwriting" else photo_like(image, 32)  # (C, H, W)
        shown = to_uint8(x[None])[0]
        domain = "mnist" if source == "handwriting" else source
        (name, conf), = get_judges().verdicts(domain, torch.from_numpy(x[None]))
        tiles = [(as_rgb(shown), f"your input, as the models see it ({source})\n"
                                 f"{TARGET_NAMES[domain]} judge reads {name} · {conf:.0%}")]
        for r in all_routes:
            out, verdict = r.run(image)
            tiles.append((as_rgb(out), f"{r.label}\n{TARGET_NAMES[r.source]} → {TARGET_NAMES[r.target]}: "
                                       f"judge reads {verdict}\n{measured(r, source == 'handwriting')}"))
        return tiles
