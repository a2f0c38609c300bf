"""Waveform judges: classifiers that listen to what a user hears, the waveform, through a front end of their
own, and never see a model's features (WORLD mel-cepstra, per-speaker normalisation, a model's log-mel).

- "speaker_wave_judge" (variant "vcc2016"): who of SF1, SF2, TM1, TM2 speaks; reads converted speech of the
  voice-conversion models. Trained by train/train_speaker_wave_judge.py.
- "spoken_wave_judge" (variant "fsdd"): which digit 0-9 is spoken; reads the sound CMCGAN makes from an
  image. Trained by train/train_spoken_wave_judge.py on the FSDD training split (takes 5-49).

Front end (`log_mel`, shared): the waveform at 16 kHz (`at_16k` resamples other rates), high-pass at 60 Hz
(rumble), leading and trailing silence trimmed (frames more than 40 dB below the loudest), loudness to
-23 dBFS, 25 ms Hann windows every 10 ms (n_fft 512), 80 mel bands 0-8 kHz (HTK mel scale, triangular), log
power, then one global per-band standardisation (mean and standard deviation over the judge's training
split, saved in its config.json). Network (`WaveNet`): a small x-vector-like TDNN (dilated 1-D
convolutions, batch norm) with mean + standard-deviation pooling over time, so any length works.

    judge = get_wave_judge("spoken_wave_judge")      # None when the weights are missing
    judge.probs(wav, sr)                              # (K,) probabilities over judge.labels
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from .. import hub
from ..audio import resample
from ..errors import WeightsNotFound

log = logging.getLogger(__name__)

SR = 16000
N_FFT, WIN, HOP, N_MELS = 512, 400, 160, 80


def _mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, sr: int = SR) -> np.ndarray:
    """(n_mels, n_fft/2+1) triangular filters equally spaced on the HTK mel scale, 0 Hz to sr/2."""
    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hz(m):
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(0.0), mel(sr / 2), n_mels + 2))
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    fb = np.maximum(0.0, np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)))
    return (fb / np.maximum(fb.sum(1, keepdims=True), 1e-9)).astype(np.float32)


_FB: list[np.ndarray] = []


def log_mel(wav: np.ndarray, sr: int = SR) -> np.ndarray:
    """float mono waveform at 16 kHz -> (80, T) log-mel power of its speech stretch (the judge's front end)."""
    from scipy.signal import butter, sosfiltfilt

    if sr != SR:
        raise ValueError(f"the waveform judges read 16 kHz audio, got {sr} Hz")
    x = np.asarray(wav, dtype=np.float64)
    if len(x) > 30:
        x = sosfiltfilt(butter(4, 60.0, "highpass", fs=SR, output="sos"), x)
    x = np.pad(x, (0, max(0, N_FFT - len(x))))
    frames = np.lib.stride_tricks.sliding_window_view(x, WIN)[::HOP]              # (T, 400)
    energy = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(energy >= energy.max() - 40.0)
    frames = frames[loud[0]: loud[-1] + 1]                                          # speech stretch only
    rms = np.sqrt(np.mean(frames ** 2)) + 1e-9
    frames = frames * (10 ** (-23 / 20) / rms)
    spec = np.abs(np.fft.rfft(frames * np.hanning(WIN), n=N_FFT, axis=1)) ** 2    # (T, 257)
    if not _FB:
        _FB.append(_mel_filterbank())
    return np.log(spec @ _FB[0].T + 1e-8).T.astype(np.float32)                     # (80, T)


class WaveNet(nn.Module):
    """(B, 80, T) standardised log-mel -> class logits (B, K): TDNN + mean/std pooling (any T >= 1)."""

    def __init__(self, n_classes: int, n_mels: int = N_MELS, width: int = 128, dropout: float = 0.2):
        super().__init__()
        w = width

        def block(cin, cout, k, d):
            return [nn.Conv1d(cin, cout, k, padding=d * (k // 2), dilation=d), nn.BatchNorm1d(cout), nn.ReLU()]

        self.body = nn.Sequential(*block(n_mels, w, 5, 1), *block(w, w, 3, 2), *block(w, w, 3, 3),
                                  *block(w, 2 * w, 1, 1))
        self.head = nn.Sequential(nn.Linear(4 * w, w), nn.ReLU(), nn.Dropout(dropout), nn.Linear(w, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)                                                            # (B, 2w, T)
        std = h.std(-1, unbiased=False) if h.shape[-1] > 1 else torch.zeros_like(h[..., 0])
        return self.head(torch.cat([h.mean(-1), std], 1))


def at_16k(wav: np.ndarray, sr: int) -> np.ndarray:
    """Any rate -> 16 kHz float32 (band-limited polyphase resampling)."""
    return resample(np.asarray(wav), sr, SR)


# Which checkpoint holds which judge: (variant, the config key naming its classes).
JUDGES = {"speaker_wave_judge": ("vcc2016", "speakers"), "spoken_wave_judge": ("fsdd", "labels")}


class WaveJudge:
    """A shipped waveform judge (checkpoints/<judge_id>/): waveform in, class probabilities out."""

    def __init__(self, judge_id: str = "speaker_wave_judge", folder: Path | None = None):
        variant, labels_key = JUDGES[judge_id]
        folder = folder or hub.resolve(judge_id)
        cfg, tensors = hub.load_checkpoint(folder)
        self.judge_id, self.cfg = judge_id, cfg["variants"][variant]
        self.labels = [str(s) for s in self.cfg[labels_key]]
        self.mean = np.asarray(self.cfg["mel_mean"], dtype=np.float32)[:, None]
        self.std = np.asarray(self.cfg["mel_std"], dtype=np.float32)[:, None]
        self.net = WaveNet(len(self.labels), width=self.cfg["width"]).eval()
        self.net.load_state_dict(hub.variant_state(tensors, variant))

    def features(self, wav: np.ndarray, sr: int = SR) -> torch.Tensor:
        """(1, 80, T) standardised log-mel of a waveform (resampled to 16 kHz first)."""
        return torch.from_numpy((log_mel(at_16k(wav, sr)) - self.mean) / self.std)[None]

    @torch.inference_mode()
    def probs(self, wav: np.ndarray, sr: int = SR) -> np.ndarray:
        """(K,) probabilities over `self.labels` for one waveform."""
        return torch.softmax(self.net(self.features(wav, sr)), -1)[0].numpy()

    def name(self, wav: np.ndarray, sr: int = SR) -> str:
        return self.labels[int(self.probs(wav, sr).argmax())]

    def predict(self, wavs: list[np.ndarray], sr: int = SR) -> np.ndarray:
        """(N,) class indices for waveforms at `sr`."""
        return np.array([int(self.probs(w, sr).argmax()) for w in wavs], dtype=np.int64)


# The one cache of sound judges, by checkpoint id: the waveform judges here and the log-mel spoken-digit judge
# (`spoken.load_spoken_judge`). None: weights missing.
_cache: dict[str, WaveJudge | nn.Module | None] = {}


def cached_judge(judge_id: str, load: Callable[[], WaveJudge | nn.Module]) -> WaveJudge | nn.Module:
    """The sound judge `judge_id` from the one cache, loaded by `load()` on first use (or after an earlier
    attempt found no weights). `load` may raise WeightsNotFound; nothing is cached then."""
    if _cache.get(judge_id) is None:
        with torch.inference_mode(False):  # cached for every caller: never inference tensors (see sets.get_judges)
            _cache[judge_id] = load()
    return _cache[judge_id]


def get_wave_judge(judge_id: str = "speaker_wave_judge") -> WaveJudge | None:
    """A shipped waveform judge, loaded once per process; None (with a warning) when its weights are missing."""
    if judge_id not in _cache:
        try:
            cached_judge(judge_id, lambda: WaveJudge(judge_id))
        except WeightsNotFound as e:
            log.warning("no %s: %s", judge_id, e)
            _cache[judge_id] = None
    return _cache[judge_id]
