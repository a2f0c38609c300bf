"""Measuring converted speech with a toolchain of its own (MCD, log-F0 along the alignment).

Every waveform measured here, real or converted, goes through the same analysis, which shares no code or
settings with how the converters code speech (xmgan/models/_vc.py): a 60 Hz high-pass, WORLD Harvest F0
over a speaker-independent range (60-600 Hz; the converters use DIO, which here picked sub-harmonics of the
female voices and so both mis-measured F0 and blurred CheapTrick's envelope), CheapTrick envelope at FFT
size 1024, and a
mel-cepstrum of order 24 (all-pass warping alpha 0.42) computed by interpolating the log-amplitude envelope
onto a fine warped-frequency grid (2048 points) and taking its cosine transform. MCD is the usual
10/ln10 * sqrt(2 * sum_{d=1..24} (c_d - c'_d)^2) dB per frame, c0 (energy) left out, frames of the speech
stretch (first to last voiced frame, plus 50 ms) aligned by dynamic time warping on c1..c24 and averaged.

Part of the measuring layer: self-contained (numpy, scipy, pyworld, librosa's DTW), it imports no model code;
the voice-conversion evaluation (`xmgan.models._vc.evaluate_directions`) imports it. Not in `xmgan.metrics`,
which stays pure numpy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SR = 16000
ORDER, ALPHA, FFT_SIZE, GRID = 24, 0.42, 1024, 2048
F0_FLOOR, F0_CEIL = 60.0, 600.0
MCD_K = 10.0 / np.log(10.0) * np.sqrt(2.0)

_MATS: dict = {}


def _warped_cosine(n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(linear frequency of each warped grid point (GRID,), cosine transform (GRID, ORDER+1))."""
    if n_bins not in _MATS:
        wg = np.linspace(0, np.pi, GRID)
        a = -ALPHA  # the inverse all-pass warp: warped grid point -> linear frequency
        lin = wg + 2 * np.arctan(a * np.sin(wg) / (1 - a * np.cos(wg)))
        weights = np.full(GRID, 1.0 / (GRID - 1))
        weights[[0, -1]] *= 0.5
        cos = np.cos(np.outer(wg, np.arange(ORDER + 1))) * weights[:, None]
        cos[:, 1:] *= 2
        _MATS[n_bins] = (lin / np.pi * (n_bins - 1), cos)
    return _MATS[n_bins]


def mel_cepstrum(sp: np.ndarray) -> np.ndarray:
    """Power envelope (N, bins) -> mel-cepstrum (N, ORDER+1), c0 first, natural-log amplitude units."""
    at, cos = _warped_cosine(sp.shape[1])
    la = 0.5 * np.log(np.maximum(sp, 1e-12))
    lo = np.clip(np.floor(at).astype(int), 0, sp.shape[1] - 2)
    frac = at - lo
    warped = la[:, lo] * (1 - frac) + la[:, lo + 1] * frac          # (N, GRID) on the warped axis
    return warped @ cos


@dataclass
class Measured:
    """One waveform as measured: mel-cepstrum (N, 25) and F0 (N,) of its speech stretch."""
    mcep: np.ndarray
    f0: np.ndarray


def measure(wav: np.ndarray, sr: int = SR) -> Measured:
    import pyworld as pw
    from scipy.signal import butter, sosfiltfilt

    if sr != SR:
        raise ValueError(f"measure() reads 16 kHz audio, got {sr} Hz")
    x = sosfiltfilt(butter(4, 60.0, "highpass", fs=SR, output="sos"), np.asarray(wav, dtype=np.float64))
    x = np.ascontiguousarray(x)
    f0, t = pw.harvest(x, SR, f0_floor=F0_FLOOR, f0_ceil=F0_CEIL, frame_period=5.0)
    sp = pw.cheaptrick(x, f0, t, SR, fft_size=FFT_SIZE)
    voiced = np.flatnonzero(f0 > 0)
    r = slice(max(0, voiced[0] - 10), voiced[-1] + 11) if len(voiced) else slice(0, len(f0))
    return Measured(mel_cepstrum(sp[r]), f0[r])


def dtw(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal alignment of two sequences (N, D), (M, D) on Euclidean frame distance: (ia, ib) start to end."""
    import librosa
    from scipy.spatial.distance import cdist

    _, wp = librosa.sequence.dtw(C=cdist(a, b), backtrack=True)
    return wp[::-1, 0], wp[::-1, 1]


def mcd(a: Measured, b: Measured) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """(MCD in dB between two measured utterances, the DTW path it used)."""
    path = dtw(a.mcep[:, 1:], b.mcep[:, 1:])
    diff = a.mcep[path[0], 1:] - b.mcep[path[1], 1:]
    return float(np.mean(MCD_K * np.sqrt((diff ** 2).sum(1)))), path


def lf0_pairs(a: Measured, b: Measured, path: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """log F0 of the aligned frame pairs where both are voiced."""
    fa, fb = a.f0[path[0]], b.f0[path[1]]
    v = (fa > 0) & (fb > 0)
    return np.log(fa[v]), np.log(fb[v])
