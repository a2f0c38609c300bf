"""Measures on plain numpy arrays: Frechet distance, accuracy reports, class coverage, the legible share,
the style consistency of translations, DTW and mel-cepstral distortion. Nothing here knows a model or a
judge (those sit above: `xmgan.judges` turns images and sounds into labels and features,
`xmgan.evaluate` drives a model's evaluation).

Every reported figure has its trivial baseline beside it: FD beside the real-train-vs-real-test floor
(`fd_block`), MCD beside the no-conversion distortion (computed by the voice-conversion evaluation), the
legible share of generated images beside that of real test images (the GAN's evaluation).
"""
from __future__ import annotations

import numpy as np


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FD between Gaussians fitted to two feature sets (N, D): |mu_a - mu_b|^2 + Tr(Sa + Sb - 2 (Sa Sb)^1/2)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr((Sa Sb)^1/2) = sum of the square roots of the eigenvalues of Sa Sb (real, >= 0 for PSD Sa, Sb).
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvals(sa @ sb).real, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_covmean)


def fd_block(feats_gen: np.ndarray, f_test: np.ndarray, f_train: np.ndarray) -> dict:
    """FD of generated vs real test features, beside the real-train-vs-test floor (what a perfect
    generator would score at this sample size) and their ratio."""
    fd = frechet_distance(feats_gen, f_test)
    floor = frechet_distance(f_train, f_test)
    return {"fd": round(fd, 3), "fd_floor_train_vs_test": round(floor, 3), "fd_ratio": round(fd / floor, 2)}


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


LEGIBLE = 0.9  # a "legible" image: the judge's top class at >= 90% softmax probability


def legible_rate(confidences: np.ndarray, threshold: float = LEGIBLE) -> float:
    """The share of images the judge reads with confidence >= threshold (confidences: top-class softmax
    probability per image, (N,))."""
    return round(float((np.asarray(confidences) >= threshold).mean()), 4)


def mean_pairwise_distance(x: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs i < j of the rows of x (N, D) (N >= 2)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    sq = (x * x).sum(1)
    d2 = np.clip(sq[:, None] + sq[None, :] - 2.0 * (x @ x.T), 0.0, None)
    iu = np.triu_indices(len(x), k=1)
    return float(np.sqrt(d2[iu]).mean())


def style_consistency(fake: np.ndarray, fake_labels: np.ndarray, real: np.ndarray, real_labels: np.ndarray,
                      classes, max_per_class: int = 500) -> dict:
    """How much translations vary with their input: per class, the mean pairwise pixel distance of
    translations of different inputs of that class divided by that of real target-domain images of that
    class (the first `max_per_class` of each), averaged over the classes with at least two of each.
    1.0: as varied as real images of the class; near 0: one picture per class whatever the input."""
    ratios = []
    for c in classes:
        f, r = fake[fake_labels == c][:max_per_class], real[real_labels == c][:max_per_class]
        if len(f) < 2 or len(r) < 2:
            ratios.append(None)
            continue
        ratios.append(round(mean_pairwise_distance(f) / mean_pairwise_distance(r), 4))
    seen = [q for q in ratios if q is not None]
    return {"style_consistency": round(float(np.mean(seen)), 4) if seen else None,
            "per_class_style_consistency": ratios}


def goals_met(m: dict, goals: dict) -> dict:
    """{goal key: met?}; a key ending in "_max" is an upper bound on the figure without the suffix."""
    return {key: (m.get(key[:-4], float("inf")) <= goal) if key.endswith("_max") else (m.get(key, 0.0) >= goal)
            for key, goal in goals.items()}


# ---- voice conversion: mel-cepstral distortion (stargan_vc, cyclegan_vc) ----------------------------------
MCD_K = 10.0 / np.log(10.0) * np.sqrt(2.0)  # MCD = 10/ln10 * sqrt(2 * sum_d (c_d - c'_d)^2) dB per frame


def dtw_path(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dynamic time warping of two feature sequences (N, D), (M, D) on Euclidean frame distance ->
    (indices into a, indices into b) of the optimal path, start to end (librosa's DTW, numba-compiled;
    imported on first use: it costs a second or two and only the speech evaluations need it)."""
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
