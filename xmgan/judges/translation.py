"""Scoring translated digits with both judge sets: what CycleGAN, StarGAN, DTN and the latent-space GAN report.

A translation counts as keeping its digit, or reaching its domain, only as far as *both* independent judges
(the first set, "cnn", and the second, "resnet_gn", see `xmgan.judges.sets`) say so: each figure is
recorded per judge (`accuracy_judge_a`, `accuracy_judge_b`) and the headline (`accuracy`) is the lower of
the two. The Frechet distance follows the same rule the other way: the larger ratio counts. Where the
second set is absent, the figures are the first judge's and `judges` in the output says so.

Every figure has its trivial baseline beside it: the untranslated source images read by the target's
judges (`accuracy_untranslated`) and their Frechet distance to the target (`fd_ratio_untranslated`).
"""
from __future__ import annotations

import numpy as np
import torch

from ..domains import for_judge
from ..metrics import accuracy_report, fd_block
from .image import predict
from .sets import available, get_judges, real_features

_real: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}


def _real_features(set_id: str, domain: str) -> tuple[np.ndarray, np.ndarray]:
    if (set_id, domain) not in _real:
        _real[(set_id, domain)] = real_features(get_judges(set_id)[domain], domain)
    return _real[(set_id, domain)]


def _suffix(i: int) -> str:
    return "judge_a" if i == 0 else "judge_b"


def _read(frames: np.ndarray | torch.Tensor, labels: np.ndarray, domain: str) -> list[tuple[dict, np.ndarray]]:
    """Per available judge set, first set first: (its accuracy report on the images, its features of them),
    from one pass of each judge."""
    x = for_judge(frames, domain)
    readings = []
    for set_id in available(domain):
        pred, feats = predict(get_judges(set_id)[domain], x)
        readings.append((accuracy_report(pred, labels, range(10)), feats))
    return readings


def _digits(readings: list[tuple[dict, np.ndarray]], domain: str) -> dict:
    reports = [r for r, _ in readings]
    low = min(reports, key=lambda r: r["accuracy"])
    out = {**low, "judges": list(available(domain))}
    for i, r in enumerate(reports):
        out[f"accuracy_{_suffix(i)}"] = r["accuracy"]
    return out


def read_classes(images: np.ndarray | torch.Tensor, labels: np.ndarray, domain: str, classes=range(10)) -> dict:
    """Class accuracy of images read as they are (no digit layout, e.g. 28x28 Fashion-MNIST) by every judge set
    that holds a judge of `domain`: the same keys as read_digits (the lower accuracy is `accuracy`)."""
    readings = [(accuracy_report(predict(get_judges(s)[domain], images)[0], labels, classes), None)
                for s in available(domain)]
    return _digits(readings, domain)


def read_digits(frames: np.ndarray | torch.Tensor, labels: np.ndarray, domain: str) -> dict:
    """Digit accuracy of images in the shared 32x32 layout read as `domain`, by every judge set:
    {accuracy (the lower), accuracy_judge_a, accuracy_judge_b, per_class_accuracy (of the lower)}."""
    return _digits(_read(frames, labels, domain), domain)


def score_translation(source_frames: np.ndarray | torch.Tensor, fake: np.ndarray | torch.Tensor,
                      labels: np.ndarray, target: str, domains: tuple[str, ...] | None = None) -> dict:
    """All figures of one translation direction: digit kept (both judges), the target domain reached (both
    domain judges, when `domains` gives the domain judges' class order), FD to the real target test set
    (both judges' features), each with the untranslated source beside it. Each judge reads the translations
    and the sources once; accuracy and FD come from that one reading."""
    labels = np.asarray(labels)
    fake_reads, base_reads = _read(fake, labels, target), _read(source_frames, labels, target)
    out = _digits(fake_reads, target)
    out["accuracy_untranslated"] = _digits(base_reads, target)["accuracy"]
    fds, fds_base = [], []
    for i, set_id in enumerate(available(target)):
        real = _real_features(set_id, target)
        fd, fd_base = fd_block(fake_reads[i][1], *real), fd_block(base_reads[i][1], *real)
        fds.append(fd)
        fds_base.append(fd_base)
        out[f"fd_ratio_{_suffix(i)}"] = fd["fd_ratio"]
    worst = max(range(len(fds)), key=lambda i: fds[i]["fd_ratio"])
    out.update(fds[worst])  # fd, fd_floor_train_vs_test, fd_ratio of the judge that finds it furthest
    out["fd_ratio_untranslated"] = fds_base[worst]["fd_ratio"]
    if domains is not None:
        t = domains.index(target)
        rates = []
        for i, set_id in enumerate(available("domain")):
            dom, _ = predict(get_judges(set_id)["domain"], torch.as_tensor(fake))
            rates.append(round(float((dom == t).mean()), 4))
            out[f"domain_accuracy_{_suffix(i)}"] = rates[-1]
            if i == 0:
                out["domain_histogram"] = [round(float(h), 4) for h in np.bincount(dom, minlength=len(domains)) / len(dom)]
        out["domain_accuracy"] = min(rates)
    return out
