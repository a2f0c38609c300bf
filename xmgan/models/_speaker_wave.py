"""The waveform speaker judge of the voice-conversion models (VCC2016: SF1, SF2, TM1, TM2).

It listens to what a user hears, the 16 kHz waveform, through a front end of its own, and never sees a
converter's features (WORLD mel-cepstra, per-speaker normalisation): a converter that only forces its
features into the target speaker's statistics cannot fool it unless the *sound* changes.

Front end (`log_mel`): high-pass at 60 Hz (rumble), leading and trailing silence trimmed (frames more than
40 dB below the loudest), loudness to -23 dBFS, 25 ms Hann windows every 10 ms (n_fft 512), 80 mel bands
0-8 kHz (HTK mel scale, triangular), log power, then one global per-band standardisation (mean and standard
deviation over the training split, saved in config.json). Network (`SpeakerWaveNet`): a small x-vector-like
TDNN (dilated 1-D convolutions, batch norm) with mean + standard-deviation pooling over time, so any
length works. Trained by train/train_speaker_wave_judge.py on the training split only (utterances
100001-100162), on real recordings and on WORLD vocoded copies of them (analysis -> synthesis without any
conversion, same speaker label), so it judges who speaks, not whether a vocoder was used.

Self-contained on purpose (numpy, scipy, torch; hub for the weights): it imports no model code, so it can
move into the `xmgan/judges/` package as is.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

log = logging.getLogger(__name__)

JUDGE_ID = "speaker_wave_judge"
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
        raise ValueError(f"the speaker judge reads 16 kHz audio, got {sr} Hz")
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


class SpeakerWaveNet(nn.Module):
    """(B, 80, T) standardised log-mel -> speaker logits (B, S): TDNN + mean/std pooling (any T >= 1)."""

    def __init__(self, n_speakers: int, n_mels: int = N_MELS, width: int = 128, dropout: float = 0.2):
        super().__init__()
        w = width

        def block(cin, cout, k, d):
            return [nn.Conv1d(cin, cout, k, padding=d * (k // 2), dilation=d), nn.BatchNorm1d(cout), nn.ReLU()]

        self.body = nn.Sequential(*block(n_mels, w, 5, 1), *block(w, w, 3, 2), *block(w, w, 3, 3),
                                  *block(w, 2 * w, 1, 1))
        self.head = nn.Sequential(nn.Linear(4 * w, w), nn.ReLU(), nn.Dropout(dropout), nn.Linear(w, n_speakers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.body(x)                                                            # (B, 2w, T)
        std = h.std(-1, unbiased=False) if h.shape[-1] > 1 else torch.zeros_like(h[..., 0])
        return self.head(torch.cat([h.mean(-1), std], 1))


class SpeakerWaveJudge:
    """The shipped judge (checkpoints/speaker_wave_judge/): waveform in, speaker probabilities out."""

    def __init__(self, folder: Path | None = None):
        from .. import hub

        folder = folder or hub.resolve(JUDGE_ID)
        cfg, tensors = hub.load_checkpoint(folder)
        self.cfg = cfg["variants"]["vcc2016"]
        self.speakers = list(self.cfg["speakers"])
        self.mean = np.asarray(self.cfg["mel_mean"], dtype=np.float32)[:, None]
        self.std = np.asarray(self.cfg["mel_std"], dtype=np.float32)[:, None]
        self.net = SpeakerWaveNet(len(self.speakers), width=self.cfg["width"]).eval()
        self.net.load_state_dict(hub.variant_state(tensors, "vcc2016"))

    def features(self, wav: np.ndarray) -> torch.Tensor:
        """(1, 80, T) standardised log-mel of a 16 kHz waveform."""
        return torch.from_numpy((log_mel(wav) - self.mean) / self.std)[None]

    @torch.inference_mode()
    def probs(self, wav: np.ndarray) -> np.ndarray:
        """(S,) probabilities over `self.speakers` for one 16 kHz waveform."""
        return torch.softmax(self.net(self.features(wav)), -1)[0].numpy()

    def name(self, wav: np.ndarray) -> str:
        return self.speakers[int(self.probs(wav).argmax())]


_JUDGE: list = []


def get_wave_judge() -> SpeakerWaveJudge | None:
    """The shipped waveform judge, loaded once; None when its weights are missing."""
    from ..errors import WeightsNotFound

    if not _JUDGE:
        try:
            _JUDGE.append(SpeakerWaveJudge())
        except WeightsNotFound as e:
            log.warning("no waveform speaker judge: %s", e)
            _JUDGE.append(None)
    return _JUDGE[0]
