"""Sound in and out: whatever a user gives (a microphone recording, an upload of any rate, width or
channel count, a file path) becomes float32 mono at the model's rate, or a `BadInput` that says why not.

    wav = read_audio(value, sr=16000, max_seconds=30)   # float32 (T,), peak-safe, loudness-normalised
    sr, pcm = to_pcm(wav, 16000)                          # what gr.Audio(type="numpy") plays
    img = spectrogram_image([("input", wav), ("converted", out)], 16000)   # uint8 RGB panels

Sections below the I/O part hold the model-family features (WORLD analysis/synthesis for voice
conversion; log-mel and Griffin-Lim for the spoken digits).
"""
from __future__ import annotations

import io
from math import gcd
from pathlib import Path

import numpy as np

from .errors import BadInput

MAX_FILE_BYTES = 50 * 2**20
SILENCE_DBFS = -55.0     # an input whose loudest 50 ms window is quieter than this is "silent"
TARGET_DBFS = -23.0      # RMS loudness every input is brought to (then limited so the peak stays < 1)


def _from_array(arr: np.ndarray) -> np.ndarray:
    """int or float samples, (T,), (T, C) or (C, T) -> float32 mono in [-1, 1]."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        raise BadInput("The recording is empty: record or upload a sound first.")
    if arr.ndim == 2:  # channels: the short axis (gradio gives (T, C); some libraries (C, T))
        arr = arr.mean(axis=1 if arr.shape[1] <= arr.shape[0] else 0, dtype=np.float64)
    elif arr.ndim != 1:
        raise BadInput(f"Audio must be (samples,) or (samples, channels), not shape {arr.shape}.")
    if arr.dtype.kind == "i":
        arr = arr / float(2 ** (8 * np.asarray(arr).dtype.itemsize - 1))
    elif arr.dtype.kind == "u":
        half = float(2 ** (8 * arr.dtype.itemsize - 1))
        arr = (arr - half) / half
    arr = np.asarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise BadInput("The audio contains invalid samples (NaN or infinity).")
    peak = np.abs(arr).max()
    if peak > 1.0:  # float audio outside [-1, 1]: scale rather than clip
        arr = arr / peak
    return arr.astype(np.float32)


def _read_file(path: Path) -> tuple[int, np.ndarray]:
    import soundfile as sf

    if not path.is_file():
        raise BadInput(f"Audio file {path.name!r} was not found.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInput(f"The audio file is {path.stat().st_size / 2**20:.0f} MB; please upload one under 50 MB.")
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=False)
        return int(sr), data
    except Exception:  # soundfile cannot read it (mp3/m4a on old libsndfile, or not audio): try librosa/audioread
        pass
    try:
        import librosa

        data, sr = librosa.load(str(path), sr=None, mono=True)
        return int(sr), data
    except Exception:
        raise BadInput(f"{path.name!r} is not an audio file this app can read; upload a WAV, FLAC or OGG file.") from None


def resample(wav: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Band-limited polyphase resampling (scipy), float32 in, float32 out."""
    if sr_from == sr_to:
        return wav.astype(np.float32)
    from scipy.signal import resample_poly

    g = gcd(int(sr_from), int(sr_to))
    return resample_poly(wav.astype(np.float64), sr_to // g, sr_from // g).astype(np.float32)


def loudest_dbfs(wav: np.ndarray, sr: int, window_s: float = 0.05) -> float:
    """dBFS of the loudest `window_s` window's RMS (a short click is not 'loud', speech is)."""
    n = max(1, int(sr * window_s))
    usable = len(wav) // n * n
    frames = wav[:usable].reshape(-1, n) if usable else wav[None, :]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)).max()
    return float(20 * np.log10(rms + 1e-12))


def normalise_loudness(wav: np.ndarray, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Scale to `target_dbfs` RMS, then down again if that would push the peak past 0.99."""
    rms = float(np.sqrt(np.mean(wav.astype(np.float64) ** 2)))
    if rms < 1e-9:
        return wav.astype(np.float32)
    out = wav * (10 ** (target_dbfs / 20) / rms)
    peak = float(np.abs(out).max())
    if peak > 0.99:
        out = out * (0.99 / peak)
    return out.astype(np.float32)


def read_audio(value, sr: int, max_seconds: float = 30.0, min_seconds: float = 0.1,
               normalise: bool = True) -> np.ndarray:
    """Any user audio -> float32 mono at `sr`, loudness-normalised. `value` is what gr.Audio(type="numpy")
    gives, `(rate, samples)`, or a file path, or a bare float array already at `sr`.

    Raises BadInput for: nothing given, unreadable file, empty, shorter than `min_seconds`, longer than
    `max_seconds`, or silence."""
    if value is None:
        raise BadInput("No audio: record with the microphone, upload a file or click an example first.")
    if isinstance(value, dict) and "path" in value:  # a gradio FileData dict
        value = value["path"]
    if isinstance(value, (str, Path)):
        rate, data = _read_file(Path(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and np.isscalar(value[0]):
        rate, data = int(value[0]), value[1]
    elif isinstance(value, np.ndarray):
        rate, data = sr, value
    else:
        raise BadInput(f"Expected a recording (rate, samples) or an audio file, got {type(value).__name__}.")
    if not 1000 <= rate <= 384_000:
        raise BadInput(f"A sample rate of {rate} Hz is not plausible audio; use 8-192 kHz.")
    wav = _from_array(data)
    seconds = len(wav) / rate
    if seconds > max_seconds:
        raise BadInput(f"The recording is {seconds:.1f} s long; please keep it under {max_seconds:g} s.")
    if seconds < min_seconds:
        raise BadInput(f"The recording is only {seconds * 1000:.0f} ms long; please record at least "
                       f"{min_seconds:g} s.")
    if loudest_dbfs(wav, rate) < SILENCE_DBFS:
        raise BadInput("The recording is silent (or almost): check the microphone and speak a little louder.")
    wav = resample(wav, rate, sr)
    return normalise_loudness(wav) if normalise else wav


def to_pcm(wav: np.ndarray, sr: int) -> tuple[int, np.ndarray]:
    """float audio -> (sr, int16 samples), what gr.Audio plays and lets users download."""
    wav = np.nan_to_num(np.asarray(wav, dtype=np.float64))
    return int(sr), (np.clip(wav, -1.0, 1.0) * 32767).astype(np.int16)


def wav_bytes(wav: np.ndarray, sr: int) -> bytes:
    """A 16-bit WAV file in memory (tests, examples)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, to_pcm(wav, sr)[1], sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def spectrogram_image(panels: list[tuple[str, np.ndarray]], sr: int, n_fft: int = 512,
                      width_in: float = 4.2, height_in: float = 2.6) -> np.ndarray:
    """Side-by-side log-magnitude spectrograms (one panel per (title, wav)) -> uint8 RGB image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in * len(panels), height_in), dpi=90, layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    hop = n_fft // 4
    window = np.hanning(n_fft)
    for ax, (title, wav) in zip(axes, panels):
        wav = np.asarray(wav, dtype=np.float64)
        if len(wav) < n_fft:
            wav = np.pad(wav, (0, n_fft - len(wav)))
        frames = np.lib.stride_tricks.sliding_window_view(wav, n_fft)[::hop] * window
        db = 20 * np.log10(np.abs(np.fft.rfft(frames, axis=1)).T + 1e-6)
        ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=db.max() - 80, vmax=db.max(),
                  extent=(0, len(wav) / sr, 0, sr / 2000))
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("time (s)", fontsize=8)
        ax.set_ylabel("kHz", fontsize=8)
        ax.tick_params(labelsize=7)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()
