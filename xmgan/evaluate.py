"""Evaluation on held-out data; writes checkpoints/<id>/metrics.json and refreshes the model card.

    python -m xmgan.evaluate judges        # test accuracy of every judge
    python -m xmgan.evaluate gan           # FD on judge features vs MNIST test, floor, class coverage
    python -m xmgan.evaluate cgan          # + judge accuracy on the requested class, per class

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
import torch
from tqdm import tqdm

from . import hub
from .data import load_images, to_float
from .env import hardware
from .errors import XmganError

log = logging.getLogger(__name__)

# Goals from the project's issues; metrics.json records each number beside its goal.
GOALS = {
    ("judges", "mnist"): {"test_accuracy": 0.993},
    ("judges", "fashion"): {"test_accuracy": 0.91},
    ("gan", "mnist"): {"fd_ratio_max": 2.0},
    ("cgan", "mnist"): {"accuracy": 0.99, "fd_ratio_max": 2.0},
    ("cgan", "fashion"): {"accuracy": 0.90, "fd_ratio_max": 2.0},
}


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FD between Gaussians fitted to two feature sets (N, D): |mu_a - mu_b|^2 + Tr(Sa + Sb - 2 (Sa Sb)^1/2)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((Sa Sb)^1/2) = sum of the square roots of the eigenvalues of Sa Sb (real, >= 0 for PSD Sa, Sb).
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvals(sa @ sb).real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_covmean)


def class_coverage(labels: np.ndarray, n_classes: int, min_share: float = 0.02) -> dict:
    """How the judge spreads generated samples over classes: a mode-collapse check."""
    hist = np.bincount(labels, minlength=n_classes) / max(len(labels), 1)
    p = hist[hist > 0]
    return {
        "classes_covered": int((hist >= min_share).sum()),
        "class_histogram": [round(float(h), 4) for h in hist],
        "label_entropy_bits": round(float(-(p * np.log2(p)).sum()), 4),  # log2(10) = 3.32 is uniform
    }


def judge_features_of_real(judge, dataset: str, n_train: int = 10000, seed: int = 0):
    """(test labels, test features, train-subset features) of the real data, for FD and its floor."""
    from .models.judge import predict

    test, train = load_images(dataset, "test"), load_images(dataset, "train")
    idx = np.random.default_rng(seed).choice(len(train), min(n_train, len(train)), replace=False)
    _, f_test = predict(judge, to_float(test.x))
    _, f_train = predict(judge, to_float(train.x[idx]))
    return test, f_test, f_train


def evaluate_judges(n: int | None = None) -> dict:
    from .models.judge import Judges, predict

    judges = Judges(hub.resolve("judges"))
    out = {}
    for name, judge in judges.models.items():
        test = load_images(name, "test")
        x, y = to_float(test.x[:n]), test.y[:n]
        pred, _ = predict(judge, x)
        per_class = [round(float((pred[y == c] == c).mean()), 4) for c in range(judge.config.n_classes)]
        out[name] = {"test_accuracy": round(float((pred == y).mean()), 4), "per_class_accuracy": per_class,
                     "n_test": int(len(y))}
    return out


def _fd_block(judge, feats_gen: np.ndarray, f_test: np.ndarray, f_train: np.ndarray) -> dict:
    fd = frechet_distance(feats_gen, f_test)
    floor = frechet_distance(f_train, f_test)
    return {"fd": round(fd, 3), "fd_floor_train_vs_test": round(floor, 3), "fd_ratio": round(fd / floor, 2)}


@torch.inference_mode()
def evaluate_gan(n: int = 10000) -> dict:
    import xmgan
    from .models.judge import get_judges, predict

    pipe = xmgan.load("gan")
    out = {}
    for variant in pipe.variants:
        judge = get_judges()[pipe.dataset(variant)]
        _, f_test, f_train = judge_features_of_real(judge, pipe.dataset(variant))
        imgs = np.concatenate([pipe.images(seed=s, count=500, variant=variant) for s in tqdm(range(n // 500), desc="gan")])
        labels, feats = predict(judge, to_float(imgs))
        out[variant] = {"n_generated": len(imgs), **_fd_block(judge, feats, f_test, f_train),
                        **class_coverage(labels, judge.config.n_classes)}
    return out


@torch.inference_mode()
def evaluate_cgan(n: int = 10000) -> dict:
    import xmgan
    from .models.judge import get_judges, predict

    pipe = xmgan.load("cgan")
    out = {}
    for variant in pipe.variants:
        judge = get_judges()[pipe.dataset(variant)]
        _, f_test, f_train = judge_features_of_real(judge, pipe.dataset(variant))
        k = judge.config.n_classes
        asked = np.repeat(np.arange(k), n // k)
        imgs = np.concatenate([pipe.images_for(asked[i:i + 500], seed=i, variant=variant)
                               for i in tqdm(range(0, len(asked), 500), desc=f"cgan/{variant}")])
        labels, feats = predict(judge, to_float(imgs))
        out[variant] = {
            "n_generated": len(imgs),
            "accuracy": round(float((labels == asked).mean()), 4),
            "per_class_accuracy": [round(float((labels[asked == c] == c).mean()), 4) for c in range(k)],
            **_fd_block(judge, feats, f_test, f_train),
            **class_coverage(labels, k),
        }
    return out


EVALUATORS = {"judges": evaluate_judges, "gan": evaluate_gan, "cgan": evaluate_cgan}


def with_goals(model_id: str, variant: str, m: dict) -> dict:
    goals = GOALS.get((model_id, variant), {})
    met = {}
    for key, goal in goals.items():
        if key.endswith("_max"):
            met[key] = m.get(key[:-4], float("inf")) <= goal
        else:
            met[key] = m.get(key, 0.0) >= goal
    return {**m, "goals": goals, "goals_met": met}


def run(model_id: str) -> dict:
    if model_id not in EVALUATORS:
        raise XmganError(f"No evaluation for {model_id!r}; choose one of {', '.join(EVALUATORS)}.")
    t0 = time.time()
    results = EVALUATORS[model_id]()
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
    p.add_argument("model_id", nargs="+", help=f"one or more of: {', '.join(EVALUATORS)}")
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
