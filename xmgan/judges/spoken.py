"""The spoken-digit judge: a small CNN that hears which digit (0-9) a log-mel spectrogram says.

It plays for sound what the image judges (`xmgan.judges.image`) play for images: evaluation (cmcgan's
image -> sound direction) and the app's verdicts; beside it, `xmgan.judges.wave`'s spoken-digit judge listens
to the waveform through a front end of its own. Trained on the FSDD training split (takes 5-49) by
`train/train_spoken_judge.py`, on the fixed-size log-mel of `xmgan.audio` (32 mel bands x 64 frames,
1.008 s at 8 kHz, see `digit_window`), with random time shifts and, for half of each batch, the
utterance passed through log-mel -> Griffin-Lim -> log-mel, so that it hears resynthesised speech
(what cmcgan outputs) as well as it hears real speech. Goal: >= 95% on the FSDD test split (takes 0-4).

    python -m xmgan.judges.spoken     # test accuracy (real and resynthesised) -> checkpoints/spoken_judge/metrics.json
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .. import audio, hub
from ..data import load_speech
from ..env import hardware
from ..weights import load_variants
from . import wave

log = logging.getLogger(__name__)
MODEL_ID, VARIANT = "spoken_judge", "fsdd"
GOALS = {"test_accuracy": 0.95}


@dataclass
class Config:
    dataset: str = "fsdd"
    n_mels: int = audio.MEL_BANDS
    frames: int = audio.MEL_FRAMES
    n_classes: int = 10
    width: int = 32
    feature_dim: int = 128


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True), nn.MaxPool2d(2))


class SpokenJudge(nn.Module):
    """log-mel (B, 1, n_mels, frames) in [-1, 1] -> digit logits (B, n_classes)."""

    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(_block(1, w), _block(w, 2 * w), _block(2 * w, 2 * w))  # /8 each side
        self.fc = nn.Linear(2 * w * (config.n_mels // 8) * (config.frames // 8), config.feature_dim)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(0.3), nn.Linear(config.feature_dim, config.n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.fc(self.body(x).flatten(1)))


def mels_of(wavs: list[np.ndarray], sr: int = audio.MEL_SR) -> torch.Tensor:
    """Speech waveforms (any length, at 8 kHz) -> (N, 1, MEL_BANDS, MEL_FRAMES) centred log-mels."""
    windows = np.stack([audio.digit_window(w, sr) for w in wavs])
    return torch.cat([audio.log_mel(torch.from_numpy(windows[i:i + 500])) for i in range(0, len(windows), 500)])[:, None]


def fsdd_mels(split: str) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
    """One FSDD split as (log-mels (N, 1, 32, 64), digits (N,) int64, speaker indices (N,))."""
    s = load_speech("fsdd")
    idx = s.where(split=split)
    return mels_of([s.wavs[i] for i in idx]), torch.from_numpy(s.extra["digit"][idx].astype(np.int64)), s.speaker[idx]


def resynthesised(mels: torch.Tensor, batch: int = 250, n_iter: int = 32) -> torch.Tensor:
    """log-mel -> Griffin-Lim waveform -> log-mel again (what the judge hears from a generated spectrogram)."""
    out = []
    for i in range(0, len(mels), batch):
        wav = audio.mel_to_wav(mels[i:i + batch, 0], n_iter=n_iter, seed=i)
        out.append(audio.log_mel(wav)[:, None])
    return torch.cat(out)


def load_spoken_judge(folder: str | Path | None = None) -> SpokenJudge:
    """The shipped judge (checkpoints/spoken_judge/ or the Hub), loaded once per process by the loader the
    image judges use (`xmgan.weights.load_variants`) into the sound judges' one cache (`wave`'s, by checkpoint
    id); a `folder` given is loaded from, uncached. Missing weights raise WeightsNotFound."""
    if folder is not None:
        return load_variants(Path(folder), Config, SpokenJudge)[0][VARIANT]
    return wave.cached_judge(MODEL_ID, lambda: load_variants(hub.resolve(MODEL_ID), Config, SpokenJudge)[0][VARIANT])


@torch.inference_mode()
def hear(judge: SpokenJudge, mels: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Class probabilities (N, 10) for log-mels (N, 1, 32, 64)."""
    return torch.cat([judge(mels[i:i + batch].float()).softmax(-1) for i in range(0, len(mels), batch)])


def evaluate(judge: SpokenJudge | None = None) -> dict:
    """Accuracy on the FSDD test split, as recorded and as heard after log-mel -> Griffin-Lim resynthesis."""
    judge = judge or load_spoken_judge()
    x, y, spk = fsdd_mels("test")
    real = hear(judge, x).argmax(-1)
    resyn = hear(judge, resynthesised(x)).argmax(-1)
    names = load_speech("fsdd").speakers
    per_speaker = {names[s]: round(float((real[spk == s] == y[spk == s]).float().mean()), 4) for s in np.unique(spk)}
    return {"test_accuracy": round(float((real == y).float().mean()), 4),
            "resynthesised_test_accuracy": round(float((resyn == y).float().mean()), 4),
            "per_speaker_accuracy": per_speaker, "n_test": int(len(y))}


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    torch.set_num_threads(1)
    t0 = time.time()
    m = evaluate()
    goals_met = {k: m[k] >= v for k, v in GOALS.items()}
    stamp = {"date": date.today().isoformat(), "hardware": hardware(), "command": "python -m xmgan.judges.spoken",
             "seconds": round(time.time() - t0, 1)}
    hub.write_metrics(MODEL_ID, VARIANT, {**m, "goals": GOALS, "goals_met": goals_met, "evaluated": stamp})
    print(f"{MODEL_ID}/{VARIANT}: {m}")


if __name__ == "__main__":
    main()
