"""xmgan: classic cross-domain and cross-modal GANs, trained and ready to run.

    import xmgan
    xmgan.list_models()            # ['gan', 'cgan', ...]
    pipe = xmgan.load("cgan")      # weights from checkpoints/cgan/ or the Hugging Face Hub
    pipe.generate(label=7, seed=0, variant="mnist")
"""
from __future__ import annotations

from .errors import BadInput, DataNotFound, WeightsNotFound, XmganError
from .registry import get_spec, list_models

__all__ = ["load", "list_models", "get_spec", "XmganError", "WeightsNotFound", "DataNotFound", "BadInput"]

_cache: dict[str, object] = {}


def load(model_id: str, folder=None):
    """A ready pipeline for `model_id` (cached per process). Unknown id -> XmganError listing the valid ids."""
    from .registry import get_pipeline_class

    cls = get_pipeline_class(model_id)
    if folder is not None:
        return cls.from_pretrained(folder)
    if model_id not in _cache:
        _cache[model_id] = cls.from_pretrained()
    return _cache[model_id]
