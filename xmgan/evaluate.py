"""Evaluation on held-out data; writes checkpoints/<id>/metrics.json and refreshes the model card.

    python -m xmgan.evaluate judges        # test accuracy of every judge
    python -m xmgan.evaluate gan           # FD on judge features vs MNIST test, floor, class coverage
    python -m xmgan.evaluate cgan          # + judge accuracy on the requested class, per class
    python -m xmgan.evaluate cyclegan      # per direction: label kept, cycle error, FD
    python -m xmgan.evaluate stargan_vc    # per direction: MCD beside the no-conversion MCD, speaker judge, log-F0

Frechet distance (FD) is computed on the 128-d penultimate features of the domain's judge, against the
real test set; beside it, the floor: the same distance between 10,000 real *training* images and the
test set, i.e. what a perfect generator would score at this sample size.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date

import numpy as np

from . import hub
from .data import load_images, to_float
from .env import hardware
from .errors import XmganError

log = logging.getLogger(__name__)

# Goals of the judges; a model's goals are its pipeline's `goals` attribute. metrics.json records each
# number beside its goal ("_max" keys are upper bounds).
JUDGE_GOALS = {"mnist": {"test_accuracy": 0.993}, "fashion": {"test_accuracy": 0.91},
               "printed": {"test_accuracy": 0.98}, "domain": {"test_accuracy": 0.99}}


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FD between Gaussians fitted to two feature sets (N, D): |mu_a - mu_b|^2 + Tr(Sa + Sb - 2 (Sa Sb)^1/2)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((Sa Sb)^1/2) = sum of the square roots of the eigenvalues of Sa Sb (real, >= 0 for PSD Sa, Sb).
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvals(sa @ sb).real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_covmean)


def accuracy_report(pred: np.ndarray, expected: np.ndarray, classes) -> dict:
    """Overall accuracy and accuracy per expected class (None for a class with no examples)."""
    per_class = [round(float((pred[expected == c] == c).mean()), 4) if (expected == c).any() else None
                 for c in classes]
    return {"accuracy": round(float((pred == expected).mean()), 4), "per_class_accuracy": per_class}


def class_coverage(labels: np.ndarray, n_classes: int, min_share: float = 0.02) -> dict:
    """How the judge spreads generated samples over classes: a mode-collapse check."""
    hist = np.bincount(labels, minlength=n_classes) / max(len(labels), 1)
    p = hist[hist > 0]
    return {
        "classes_covered": int((hist >= min_share).sum()),
        "class_histogram": [round(float(h), 4) for h in hist],
        "label_entropy_bits": round(float(-(p * np.log2(p)).sum()), 4),  # log2(10) = 3.32 is uniform
    }


# ---- voice conversion: mel-cepstral distortion (stargan_vc, cyclegan_vc) ----------------------------------
MCD_K = 10.0 / np.log(10.0) * np.sqrt(2.0)  # MCD = 10/ln10 * sqrt(2 * sum_d (c_d - c'_d)^2) dB per frame


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dynamic time warping of two feature sequences (N, D), (M, D) on Euclidean frame distance ->
    (indices into a, indices into b) of the optimal path, start to end (librosa's DTW, numba-compiled)."""
    import librosa
    from scipy.spatial.distance import cdist

    _, wp = librosa.sequence.dtw(C=cdist(a, b), backtrack=True)
    wp = wp[::-1]
    return wp[:, 0], wp[:, 1]


def mcd(a: np.ndarray, b: np.ndarray, path: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Mel-cepstral distortion (dB) between two mel-cepstra (N, 1+D), (M, 1+D) with c0 first: c0 (energy) is
    left out, frames are DTW-aligned on c1..cD unless `path` is given, the per-frame distortion averaged."""
    ia, ib = path if path is not None else dtw_path(a[:, 1:], b[:, 1:])
    diff = a[ia, 1:] - b[ib, 1:]
    return float(np.mean(MCD_K * np.sqrt((diff ** 2).sum(axis=1))))


def real_features(judge, dataset: str, n_train: int = 10000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Judge features of the real test set and of a random training subset, for FD and its floor."""
    from .models.judge import predict

    test, train = load_images(dataset, "test"), load_images(dataset, "train")
    idx = np.random.default_rng(seed).choice(len(train), min(n_train, len(train)), replace=False)
    _, f_test = predict(judge, to_float(test.x))
    _, f_train = predict(judge, to_float(train.x[idx]))
    return f_test, f_train


def evaluate_judges(n: int | None = None) -> dict:
    from .models.judge import Judges, predict

    judges = Judges(hub.resolve("judges"))
    out = {}
    for name, judge in judges.models.items():
        if name == "domain":  # the 4-way domain judge reads the four digit domains' test sets
            from .domains import domain_split

            x, y = (t.numpy() for t in domain_split("test"))
        else:
            test = load_images(name, "test")
            x, y = to_float(test.x[:n]), test.y[:n]
        pred, _ = predict(judge, x)
        report = accuracy_report(pred, y, range(judge.config.n_classes))
        out[name] = {"test_accuracy": report.pop("accuracy"), **report, "n_test": int(len(y))}
    return out


def fd_block(feats_gen: np.ndarray, f_test: np.ndarray, f_train: np.ndarray) -> dict:
    """FD of generated vs real test features, beside the real-train-vs-test floor."""
    fd = frechet_distance(feats_gen, f_test)
    floor = frechet_distance(f_train, f_test)
    return {"fd": round(fd, 3), "fd_floor_train_vs_test": round(floor, 3), "fd_ratio": round(fd / floor, 2)}


def run_model(model_id: str) -> dict:
    """Evaluate every variant of a registered model with its pipeline's own `evaluate(variant)`. A model
    whose variant holds several directions (CycleGAN's pair, StarGAN's 12) returns {"by_direction": {name:
    metrics}}; each direction is then an entry of metrics.json of its own, with its own goals."""
    import xmgan

    pipe = xmgan.load(model_id)
    out = {}
    for v in pipe.variants:
        m = pipe.evaluate(v)
        out.update(m["by_direction"] if "by_direction" in m else {v: m})
    return out


def goals_of(model_id: str, variant: str) -> dict:
    if model_id == "judges":
        return JUDGE_GOALS.get(variant, {})
    from .registry import get_pipeline_class

    return get_pipeline_class(model_id).goals.get(variant, {})


def with_goals(model_id: str, variant: str, m: dict) -> dict:
    goals = goals_of(model_id, variant)
    met = {}
    for key, goal in goals.items():
        if key.endswith("_max"):
            met[key] = m.get(key[:-4], float("inf")) <= goal
        else:
            met[key] = m.get(key, 0.0) >= goal
    return {**m, "goals": goals, "goals_met": met}


def run(model_id: str) -> dict:
    from .registry import list_models

    if model_id != "judges" and model_id not in list_models():
        raise XmganError(f"No evaluation for {model_id!r}; choose judges or one of {', '.join(list_models())}.")
    t0 = time.time()
    results = evaluate_judges() if model_id == "judges" else run_model(model_id)
    stamp = {"date": date.today().isoformat(), "hardware": hardware(),
             "command": f"python -m xmgan.evaluate {model_id}", "seconds": round(time.time() - t0, 1)}
    for variant, m in results.items():
        hub.write_metrics(model_id, variant, {**with_goals(model_id, variant, m), "evaluated": stamp})
    from .card import write_card

    write_card(model_id)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xmgan.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_id", nargs="+", help="judges, or registered model ids (xmgan.list_models())")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        for model_id in args.model_id:
            results = run(model_id)
            for variant, m in results.items():
                shown = {k: v for k, v in m.items() if not isinstance(v, list)}
                print(f"{model_id}/{variant}: {shown}")
    except XmganError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
