"""Judges: classifiers that read what a user would meet (an image, a sound) and say what it shows.

Evaluation uses them to score generated and translated outputs (accuracy, Frechet distance on their
features) and the app prints their verdicts. This package sits below the models, beside `xmgan.metrics`:
models and `xmgan.evaluate` import it; it imports no model and no `evaluate`.

    from xmgan.judges import get_judges, predict, read, real_features
    judge = get_judges()["mnist"]               # the first judge set (checkpoints/judges/)
    labels, feats = predict(judge, x)           # x (N, C, H, W) in [-1, 1]
    labels, conf, feats = read(judge, x)        # and the judge's confidence in each label
    get_judges("judges_b")                      # the second, independent judge set (checkpoints/judges_b/)
    available()                                 # ("judges",) or ("judges", "judges_b")

- `image`: the networks (`Judge` "cnn", `JudgeB` "resnet_gn", `build_judge`, `predict`, `read`);
- `sets`: the judge sets, their goals, the one loader and cache, the judges' own test accuracy;
- `translation`: a translation read by every judge set present, the lower figure counting.
The sound judges and measures are submodules, imported by name (`from xmgan.judges import wave`): `wave`, the
waveform judges (speaker, spoken digit) and the sound judges' one cache; `spoken`, the log-mel spoken-digit
judge (`python -m xmgan.judges.spoken` evaluates it); `speech`, MCD and log F0 of converted speech by a
toolchain of their own.
"""
from __future__ import annotations

from .image import ARCHS, Config, Judge, JudgeB, build_judge, predict, read
from .sets import FIRST, GOALS, SETS, Judges, available, get_judges, real_features, test_accuracy

__all__ = ["ARCHS", "Config", "Judge", "JudgeB", "build_judge", "predict", "read", "FIRST", "GOALS", "SETS", "Judges",
           "available", "get_judges", "real_features", "test_accuracy"]
