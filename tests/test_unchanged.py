"""Figures and outputs pinned before the measuring layer moved (issue 10): evaluation on the fixture data
and a first click on every action must read the same after any refactor that claims to change no numbers.

tests/fixtures/evaluated.json was written by the tree before the move (commit a1693a6 + the two-judge
judge.py); rewrite it only when a change is meant to move these figures, and say so in the commit. The
figures are the first judge set's readings (the second set, checkpoints/judges_b/, is hidden here: where
it is present, evaluation reports the lower of the two). The voice-conversion models are not pinned: their
evaluation and front end are being rebuilt (waveform judge, independent MCD toolchain, high-pass)."""
import json
import math

import numpy as np
import pytest
import torch

import xmgan
from conftest import ROOT
from xmgan import evaluate, judges, metrics

PINNED = json.loads((ROOT / "tests" / "fixtures" / "evaluated.json").read_text())
EVALS = [("gan", "mnist", {"n": 500}), ("cgan", "mnist", {"n": 500}), ("dtn", "usps2mnist", {}),
         ("cyclegan", "usps_mnist", {}), ("latent_gan", "mnist_0to5", {}), ("cmcgan", "fsdd_mnist", {"n_images": 100}),
         ("stargan", "digits4", {})]


@pytest.fixture(autouse=True)
def first_judge_only(monkeypatch):
    """Read with the first judge set only, as the pinned figures were."""
    monkeypatch.setattr(judges.sets, "_cache", {judges.FIRST: judges.get_judges(), "judges_b": None})


def same(got, want, path=""):
    """Recursive comparison: numbers to the precision they were rounded to (or 1e-3 relative)."""
    if isinstance(want, dict):
        assert set(want) <= set(got), f"{path}: missing {set(want) - set(got)}"
        for k in want:
            same(got[k], want[k], f"{path}/{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{path}[{i}]")
    elif isinstance(want, float):
        assert math.isclose(got, want, rel_tol=1e-3, abs_tol=2e-3), f"{path}: {got} != {want}"
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def summary(x):
    """An output as the pinned file holds it: arrays by shape and mean, audio by rate, length and level."""
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], int) and isinstance(x[1], np.ndarray):
        return {"rate": x[0], "shape": list(x[1].shape), "mean_abs": float(np.abs(x[1].astype(np.float64)).mean())}
    if isinstance(x, np.ndarray):
        return {"shape": list(x.shape), "mean": float(x.astype(np.float64).mean())}
    if isinstance(x, (list, tuple)):
        return [summary(y) for y in x]
    return x


RENAMED = {"source_accuracy_untranslated": "accuracy_untranslated"}  # old name -> new name of the same figure


def numbers(m: dict) -> dict:
    """The scalar figures of a metrics dict, under the names the pinned file uses."""
    back = {new: old for old, new in RENAMED.items()}
    return {back.get(k, k): v for k, v in m.items() if isinstance(v, (int, float)) and k != "real_time_factor"}


def test_judges_read_the_same():
    got = {k: v["test_accuracy"] for k, v in evaluate.evaluate_judges().items()}
    same(got, PINNED["judges"])


@pytest.mark.parametrize("model_id,variant,kwargs", EVALS, ids=[e[0] for e in EVALS])
def test_evaluation_figures_unchanged(model_id, variant, kwargs):
    torch.set_num_threads(1)
    m = xmgan.load(model_id).evaluate(variant, **kwargs)
    got = {d: numbers(x) for d, x in m["by_direction"].items()} if "by_direction" in m else numbers(m)
    same(got, PINNED[f"{model_id}/{variant}"], model_id)


def test_metric_functions_unchanged():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(40, 25)), rng.normal(size=(50, 25))
    same(metrics.mcd(a, b), PINNED["mcd"])
    same(metrics.frechet_distance(rng.normal(size=(300, 8)), rng.normal(size=(300, 8)) + 0.5), PINNED["fd"])


@pytest.mark.parametrize("name", sorted(PINNED["outputs"]))
def test_first_click_outputs_unchanged(name):
    model_id, method = name.split(".")
    pinned = PINNED["outputs"][name]
    kwargs = {k: str(ROOT / "examples" / v) if k in ("image", "audio") else v for k, v in pinned["inputs"].items()}
    same(pixels(summary(getattr(xmgan.load(model_id), method)(**kwargs))), pixels(pinned["output"]), name)


def pixels(x):
    """An output summary with its captions and texts left out: the words around the pictures and sounds
    are the app's to reword; the pictures and sounds must stay."""
    if isinstance(x, list):
        return [pixels(y) for y in x]
    return None if isinstance(x, str) else x
