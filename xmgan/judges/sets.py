"""The image judge sets: which checkpoint folders hold judges, their goals, the one loader and cache.

- "judges" (checkpoints/judges/, architecture "cnn"): the first judge of every domain;
- "judges_b" (checkpoints/judges_b/, architecture "resnet_gn"): a second, independent judge per domain.
Both load through `xmgan.weights.load_variants`, the loader the model pipelines use, from the folder
`xmgan.hub.resolve` finds (local, then the Hub). A set whose weights are missing is reported absent by
`available()` (evaluation then says it read with one judge); asking for it by name raises WeightsNotFound.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import hub
from ..data import class_names, load_images, to_float
from ..domains import domain_split
from ..errors import WeightsNotFound
from ..metrics import accuracy_report
from ..weights import load_variants
from .image import Config, build_judge, predict

log = logging.getLogger(__name__)

SETS = {"judges": "first judge (cnn)", "judges_b": "second judge (resnet_gn)"}
FIRST = "judges"
# Goals on each domain's test set; metrics.json records each number beside its goal. The second judge is
# held to the same goals as the first.
_DOMAIN_GOALS = {"mnist": {"test_accuracy": 0.993}, "fashion": {"test_accuracy": 0.91},
                 "printed": {"test_accuracy": 0.98}, "domain": {"test_accuracy": 0.99}}
GOALS = {set_id: _DOMAIN_GOALS for set_id in SETS}


class Judges:
    """One judge set's judges by domain name; `verdicts()` gives (class name, confidence) per image."""

    def __init__(self, folder: str | Path | None = None, model_id: str = FIRST):
        folder = Path(folder) if folder else hub.resolve(model_id)
        self.model_id = model_id
        self.models, _, _ = load_variants(folder, Config, build_judge)
        self.metrics = hub.read_json(folder / "metrics.json")

    def __getitem__(self, name: str) -> nn.Module:
        return self.models[name]

    @torch.inference_mode()
    def verdicts(self, name: str, x: torch.Tensor) -> list[tuple[str, float]]:
        p = self.models[name](x.float()).softmax(-1)
        conf, cls = p.max(-1)
        names = class_names(self.models[name].config.dataset)
        return [(names[int(c)], float(q)) for c, q in zip(cls, conf)]


_cache: dict[str, Judges | None] = {}  # the one cache of judge sets; None: weights missing


def get_judges(model_id: str = FIRST) -> Judges:
    """The judges of `checkpoints/judges/` (first judge) or `checkpoints/judges_b/` (second judge), loaded
    once per process. Missing weights raise WeightsNotFound."""
    if model_id not in SETS:
        raise KeyError(f"no judge set {model_id!r}; the sets are {', '.join(SETS)}")
    if _cache.get(model_id) is None:
        with torch.inference_mode(False):  # cached for every caller: never inference tensors, even if first
            _cache[model_id] = Judges(model_id=model_id)  # asked for inside an inference_mode block
    return _cache[model_id]


def available(domain: str | None = None) -> tuple[str, ...]:
    """The judge sets whose weights can be loaded (and, given a `domain`, that hold a judge of it), first
    judge first. The first set must be there: its absence raises WeightsNotFound; a second set still being
    trained (some domains only) counts for the domains it has."""
    found = []
    for set_id in SETS:
        if set_id not in _cache:
            try:
                get_judges(set_id)
            except WeightsNotFound as e:
                if set_id == FIRST:
                    raise
                log.warning("%s absent (%s): figures are read by %s only", set_id, e, FIRST)
                _cache[set_id] = None
        if _cache[set_id] is not None and (domain is None or domain in _cache[set_id].models):
            found.append(set_id)
    return tuple(found)


def real_features(judge: nn.Module, dataset: str, n_train: int = 10000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Judge features of the real test set and of a random training subset, for FD and its floor."""
    test, train = load_images(dataset, "test"), load_images(dataset, "train")
    idx = np.random.default_rng(seed).choice(len(train), min(n_train, len(train)), replace=False)
    _, f_test = predict(judge, to_float(test.x))
    _, f_train = predict(judge, to_float(train.x[idx]))
    return f_test, f_train


def test_accuracy(model_id: str = FIRST, n: int | None = None) -> dict[str, dict]:
    """Each judge of a set on its domain's test set: {domain: {test_accuracy, per_class_accuracy, n_test}}."""
    out = {}
    for name, judge in get_judges(model_id).models.items():
        if name == "domain":  # the 4-way domain judge reads the four digit domains' test sets
            x, y = (t.numpy() for t in domain_split("test"))
        else:
            test = load_images(name, "test")
            x, y = to_float(test.x[:n]), test.y[:n]
        pred, _ = predict(judge, x)
        report = accuracy_report(pred, y, range(judge.config.n_classes))
        out[name] = {"test_accuracy": report.pop("accuracy"), **report, "n_test": int(len(y))}
    return out


test_accuracy.__test__ = False  # not a pytest test, despite its name
