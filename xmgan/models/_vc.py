"""Shared parts of the voice-conversion models (cyclegan_vc, stargan_vc) and their speaker judge.

- WORLD features of a speech corpus, computed once and cached (`corpus_features`), per-speaker statistics
  (`speaker_stats`), random fixed-length training segments (`Segments`);
- networks: the 1-D gated CNN generator of CycleGAN-VC (GLU units, down-sampling, residual and
  up-sampling blocks, instance norm, fully convolutional), optionally conditioned on a speaker code (the
  StarGAN-VC generator); the 2-D gated CNN discriminator, optionally conditioned on a speaker by
  projection; a 1-D speaker classifier (StarGAN-VC's domain classifier and the evaluation judge);
- `VoiceConverter`: WORLD analysis -> normalised mel-cepstrum -> generator -> target speaker's statistics
  -> WORLD synthesis, shared by both pipelines (the app's `convert` action and `evaluate`).

Features the networks see: mel-cepstral coefficients c1..c35 (alpha 0.42, 5 ms frames), each standardised
with the speaker's training-split mean and standard deviation. c0 (frame energy) is kept from the source,
F0 goes through the log-Gaussian normalised transform and aperiodicity is passed through at full resolution
(D4C, every FFT bin: nothing is lost in coding it), as in both papers. Envelope and aperiodicity are
analysed from the waveform high-passed at 70 Hz (`analyze`): the VCC2016 recordings carry a rumble below
60 Hz in their pauses, which WORLD turned into an audible broadband hum in the converted silences (10-15 dB
above the input's own floor); F0 is taken from the waveform as it is.

Coding floor (measured by `evaluate_directions` with the independent toolchain of xmgan.judges.speech): the target's
own recording analysed, coded as above (c1..c35 standardised and back, c0, full aperiodicity) and
resynthesised scores about the same MCD as the vocoder alone (Harvest + CheapTrick + D4C, full envelope),
so 35 coefficients lose nothing the measure can see.

Evaluation (`evaluate_directions`) never uses the converters' features: converted waveforms are re-analysed
by xmgan.judges.speech and heard by the waveform speaker judge (xmgan.judges.wave), beside the baselines (no
conversion, the same pipeline with the generator replaced by the identity, resynthesis, the vocoder floor).
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import audio, plots
from ..data import SPEECH_DATASETS, VCC2016_SPEAKERS, data_dir, load_speech
from ..data import cache_dir as data_cache_dir
from ..errors import BadInput, XmganError
from ..judges import speech as vm  # the independent measuring toolchain (MCD, log F0)
from ..judges.wave import WaveJudge, get_wave_judge

log = logging.getLogger(__name__)

MCEP_ORDER = 35          # c0..c35 are analysed; the networks convert c1..c35
N_FEATS = MCEP_ORDER     # feature channels the networks see
FFT_SIZE = 1024          # CheapTrick's FFT at 16 kHz with F0 floor 71 Hz
MAX_SECONDS = 30.0
SPEAKERS = VCC2016_SPEAKERS  # the speakers the converters know
HIGHPASS_HZ = 70.0       # below the lowest F0 of the four speakers; removes the recordings' rumble
FEATURES_ENV = "XMGAN_VC_FEATURES"   # a precomputed feature file (export_features): training without pyworld


def analyze(wav: np.ndarray, aperiodicity: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """WORLD analysis as the converters code speech: F0 by DIO + StoneMask on the waveform as it is (DIO found
    more spurious low 'F0' in high-passed speech), envelope (CheapTrick) and aperiodicity (D4C) of the
    high-passed waveform. -> (f0 (N,), power envelope (N, 513), aperiodicity (N, 513) or None)."""
    import pyworld as pw

    sr = audio.WORLD_SR
    x = np.ascontiguousarray(wav, dtype=np.float64)
    f0, t = pw.dio(x, sr, f0_floor=audio.F0_FLOOR, f0_ceil=audio.F0_CEIL, frame_period=audio.FRAME_PERIOD)
    f0 = pw.stonemask(x, f0, t, sr)
    y = np.ascontiguousarray(highpass(wav), dtype=np.float64)
    sp = pw.cheaptrick(y, f0, t, sr, f0_floor=audio.F0_FLOOR)
    return f0, sp, (pw.d4c(y, f0, t, sr) if aperiodicity else None)


def highpass(wav: np.ndarray, sr: int = audio.WORLD_SR) -> np.ndarray:
    """Zero-phase 4th-order Butterworth high-pass at HIGHPASS_HZ (float32 out, same length)."""
    from scipy.signal import butter, sosfiltfilt

    if len(wav) < 30:
        return np.asarray(wav, dtype=np.float32)
    sos = butter(4, HIGHPASS_HZ, "highpass", fs=sr, output="sos")
    return sosfiltfilt(sos, np.asarray(wav, dtype=np.float64)).astype(np.float32)


# ---- features of the corpus ------------------------------------------------------------------------------
def cache_dir() -> Path:
    """WORLD features of the corpus: $XMGAN_WORLD_CACHE, default <xmgan's cache>/world_cache."""
    env = os.environ.get("XMGAN_WORLD_CACHE")
    return Path(env) if env else data_cache_dir() / "world_cache"


@dataclass
class CorpusFeatures:
    """Per utterance i: `f0[i]` (N,) Hz, `mcep[i]` (N, 36) float32; `speaker`, `split`, `utt` arrays."""
    f0: list[np.ndarray]
    mcep: list[np.ndarray]
    speaker: np.ndarray
    speakers: list[str]
    split: np.ndarray
    utt: np.ndarray

    def where(self, split: str | None = None, speaker: str | None = None,
              utt_range: tuple[int, int] | None = None) -> np.ndarray:
        keep = np.ones(len(self.f0), dtype=bool)
        if split is not None:
            keep &= self.split == split
        if speaker is not None:
            keep &= self.speaker == self.speakers.index(speaker)
        if utt_range is not None:
            keep &= (self.utt >= utt_range[0]) & (self.utt <= utt_range[1])
        return np.flatnonzero(keep)


def speech_region(f0: np.ndarray, margin: int = 10) -> slice:
    """Frames from the first to the last voiced one (plus a margin): leading and trailing silence cut."""
    voiced = np.flatnonzero(f0 > 0)
    if len(voiced) == 0:
        return slice(0, len(f0))
    return slice(max(0, voiced[0] - margin), min(len(f0), voiced[-1] + 1 + margin))


def corpus_features(name: str = "vcc2016") -> CorpusFeatures:
    """WORLD F0 and mel-cepstra of every utterance of a speech corpus (high-passed first); computed once (a few
    minutes on one core for VCC2016) and cached as an npz keyed on the data file's size and time. With
    $XMGAN_VC_FEATURES set, read that file instead (`export_features`: training split, speech stretches,
    float16), which needs neither pyworld nor the corpus (a GPU box)."""
    if os.environ.get(FEATURES_ENV):
        return _read_features(Path(os.environ[FEATURES_ENV]))

    folder = data_dir()
    src = folder / SPEECH_DATASETS[name] if folder else None
    key = f"{src}:{src.stat().st_size}:{src.stat().st_mtime_ns}" if src and src.is_file() else name
    key += f":envelope-hp{HIGHPASS_HZ:g}:order{MCEP_ORDER}"
    path = cache_dir() / f"{name}_{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz"
    if not path.is_file():
        from tqdm import tqdm

        speech = load_speech(name)
        f0s, mceps = [], []
        for wav in tqdm(speech.wavs, desc=f"WORLD analysis of {name}", mininterval=10):
            f0, sp, _ = analyze(wav, aperiodicity=False)
            f0s.append(f0.astype(np.float32))
            mceps.append(audio.sp_to_mcep(sp, MCEP_ORDER).astype(np.float32))
        off = np.cumsum([0] + [len(f) for f in f0s])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, f0=np.concatenate(f0s), mcep=np.concatenate(mceps), offsets=off, speaker=speech.speaker,
                 speakers=np.array(speech.speakers), split=speech.split, utt=speech.extra["utt"])
        os.replace(tmp, path)
    return _read_features(path)


def _read_features(path: Path) -> CorpusFeatures:
    if not path.is_file():
        raise XmganError(f"No feature file at {path} (${FEATURES_ENV}); write one with "
                         f"`python -m xmgan.models._vc export PATH`.")
    with np.load(path) as z:
        z = {k: z[k] for k in z.files}  # each z[k] of an NpzFile reads the whole array again: read once
    off = z["offsets"]
    mcep = z["mcep"].astype(np.float32)
    if "mcep_scale" in z:  # an exported file: int8 codes, per coefficient offset + scale
        mcep = mcep * z["mcep_scale"] + z["mcep_offset"]
    f0 = np.split(z["f0"].astype(np.float32), off[1:-1])
    mc = np.split(mcep, off[1:-1])
    return CorpusFeatures(f0, mc, z["speaker"].astype(np.int64), [str(s) for s in z["speakers"]],
                          z["split"].astype(str), z["utt"].astype(np.int64))


def export_features(path: Path, name: str = "vcc2016") -> Path:
    """The training split's speech stretches in one compressed npz (about 12 MB for VCC2016): F0 as float16,
    c0..c35 as int8 codes (per coefficient: offset = mean, scale = 5 standard deviations / 127, so the coding
    error is under 1% of a standard deviation). All a training script needs: statistics and segments use
    only these frames."""
    feats = corpus_features(name)
    idx = feats.where("train")
    regions = [speech_region(feats.f0[i]) for i in idx]
    f0 = [feats.f0[i][r] for i, r in zip(idx, regions)]
    mc = [feats.mcep[i][r] for i, r in zip(idx, regions)]
    mc = np.concatenate(mc).astype(np.float64)
    offset, scale = mc.mean(0), mc.std(0) * 5 / 127
    codes = np.clip(np.round((mc - offset) / scale), -127, 127).astype(np.int8)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, f0=np.concatenate(f0).astype(np.float16), mcep=codes,
                        mcep_offset=offset.astype(np.float32), mcep_scale=scale.astype(np.float32),
                        offsets=np.cumsum([0] + [len(f) for f in f0]), speaker=feats.speaker[idx],
                        speakers=np.array(feats.speakers), split=feats.split[idx], utt=feats.utt[idx])
    return path


def speaker_stats(feats: CorpusFeatures, groups: dict[str, np.ndarray]) -> dict[str, dict[str, list[float]]]:
    """{speaker: {"lf0": [mean, std], "mcep_mean": [36], "mcep_std": [36]}} over the speech frames of the
    speaker's training utterances `groups[speaker]` (indices into feats)."""
    stats = {}
    for spk, idx in groups.items():
        f0s = [feats.f0[i] for i in idx]
        mc = np.concatenate([feats.mcep[i][speech_region(feats.f0[i])] for i in idx]).astype(np.float64)
        stats[spk] = {"lf0": [round(v, 6) for v in audio.logf0_stats(f0s)],
                      "mcep_mean": [round(float(v), 6) for v in mc.mean(0)],
                      "mcep_std": [round(float(v), 6) for v in mc.std(0)]}
    return stats


def neutral_stats(speakers) -> dict[str, dict[str, list[float]]]:
    """Placeholder statistics (untrained configs, tests): F0 around 200 Hz, unit mel-cepstra."""
    return {s: {"lf0": [5.3, 0.25], "mcep_mean": [0.0] * (MCEP_ORDER + 1), "mcep_std": [1.0] * (MCEP_ORDER + 1)}
            for s in speakers}


def normalise(mcep: np.ndarray, stats: dict) -> np.ndarray:
    """(N, 36) mel-cepstrum -> (35, N) float32 standardised c1..c35, channels first."""
    m, s = np.asarray(stats["mcep_mean"][1:]), np.asarray(stats["mcep_std"][1:])
    return ((mcep[:, 1:] - m) / s).T.astype(np.float32)


def denormalise(x: np.ndarray, stats: dict) -> np.ndarray:
    """(35, N) standardised -> (N, 35) c1..c35 in the speaker's range."""
    return x.T * np.asarray(stats["mcep_std"][1:]) + np.asarray(stats["mcep_mean"][1:])


class Segments:
    """Random fixed-length training segments of standardised mel-cepstra (speech stretches only), per speaker,
    held as one (35, frames total) tensor per speaker on the training device; a batch is one gather."""

    def __init__(self, feats: CorpusFeatures, stats: dict, groups: dict[str, np.ndarray], frames: int = 128,
                 device: torch.device | str = "cpu"):
        self.frames = frames
        self.data, self.starts, self.lengths = {}, {}, {}
        for spk, idx in groups.items():
            utts = [normalise(feats.mcep[i][speech_region(feats.f0[i])], stats[spk]) for i in idx]
            utts = [np.pad(u, ((0, 0), (0, max(0, frames - u.shape[1]))), mode="reflect" if u.shape[1] > 1 else "edge")
                    for u in utts]  # short utterances padded to one segment
            lengths = np.array([u.shape[1] for u in utts])
            self.data[spk] = torch.from_numpy(np.concatenate(utts, 1)).to(device)
            self.starts[spk] = torch.from_numpy(np.cumsum(np.r_[0, lengths[:-1]]))
            self.lengths[spk] = torch.from_numpy(lengths)

    def batch(self, spk: str, n: int, g: torch.Generator) -> torch.Tensor:
        """(n, 35, frames) float32 from random utterances and offsets of one speaker (random numbers drawn on
        the CPU from `g`, so a batch depends on the step only)."""
        pick = torch.randint(0, len(self.lengths[spk]), (n,), generator=g)
        room = (self.lengths[spk][pick] - self.frames + 1).double()
        begin = self.starts[spk][pick] + (torch.rand(n, generator=g, dtype=torch.float64) * room).long()
        idx = begin[:, None] + torch.arange(self.frames)                       # (n, frames)
        data = self.data[spk]
        return data[:, idx.to(data.device)].permute(1, 0, 2).contiguous()      # (n, 35, frames)


# ---- networks --------------------------------------------------------------------------------------------
class GLU1d(nn.Module):
    """Conv1d to 2*cout channels, instance norm (optional), gated linear unit -> cout channels."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, norm: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(cin, 2 * cout, k, stride, k // 2)
        self.norm = nn.InstanceNorm1d(2 * cout, affine=True) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.norm(self.conv(x)), dim=1)


def _with_code(x: torch.Tensor, code: torch.Tensor | None) -> torch.Tensor:
    """Append a speaker code (B, S) as constant channels (B, S, T)."""
    if code is None:
        return x
    return torch.cat([x, code[:, :, None].expand(-1, -1, x.shape[-1])], 1)


class ResBlock1d(nn.Module):
    """x + IN(conv(GLU(IN(conv([x, code]))))) (CycleGAN-VC's residual block, code-conditioned for StarGAN-VC)."""

    def __init__(self, ch: int, n_code: int):
        super().__init__()
        self.glu = GLU1d(ch + n_code, ch, 3)
        self.conv = nn.Conv1d(ch, ch, 3, padding=1)
        self.norm = nn.InstanceNorm1d(ch, affine=True)

    def forward(self, x: torch.Tensor, code: torch.Tensor | None) -> torch.Tensor:
        return x + self.norm(self.conv(self.glu(_with_code(x, code))))


class Generator(nn.Module):
    """(B, 35, T) standardised mel-cepstra [+ target code (B, S)] -> (B, 35, T). Fully convolutional: T is
    padded to a multiple of 4 (at least 16) inside and cut back, so any length works. Widths w, 2w, 4w (paper: 128..1024).
    Not in the papers: the output is added to the input (a global residual), so an untrained G is the classic
    mean-variance conversion (source standardised, target de-standardised) and training starts from there;
    this is what lets a small G train in half an hour on one CPU core."""

    def __init__(self, n_feats: int = N_FEATS, width: int = 64, n_res: int = 6, n_code: int = 0):
        super().__init__()
        w = width
        self.n_code = n_code
        self.inp = GLU1d(n_feats + n_code, w, 15, norm=False)
        self.down = nn.ModuleList([GLU1d(w, 2 * w, 5, 2), GLU1d(2 * w, 4 * w, 5, 2)])
        self.res = nn.ModuleList([ResBlock1d(4 * w, n_code) for _ in range(n_res)])
        self.up = nn.ModuleList([GLU1d(4 * w + n_code, 2 * w, 5), GLU1d(2 * w + n_code, w, 5)])
        self.out = nn.Conv1d(w, n_feats, 15, padding=7)

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        t = x.shape[-1]
        pad = max(16, t + (-t) % 4) - t  # a multiple of 4, and >= 4 frames after the two down-samplings
        h = F.pad(x, (0, pad), mode="replicate") if pad else x
        h = self.inp(_with_code(h, code))
        for layer in self.down:
            h = layer(h)
        for block in self.res:
            h = block(h, code)
        for layer in self.up:
            h = layer(_with_code(F.interpolate(h, scale_factor=2, mode="nearest"), code))
        return x + self.out(h)[..., :t]  # residual: G learns a correction of the source's standardised features


class GLU2d(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int = 1, norm: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, 3, stride, 1)
        self.norm = nn.InstanceNorm2d(2 * cout, affine=True) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.norm(self.conv(x)), dim=1)


class Discriminator(nn.Module):
    """2-D gated CNN over the (feature, time) plane: (B, 35, T) -> patch logits (B, 5, T/8). With n_speakers,
    conditioned on the speaker by projection (Miyato & Koyama 2018): logit += <embed(speaker), features>."""

    def __init__(self, width: int = 16, n_speakers: int = 0):
        super().__init__()
        w = width
        self.body = nn.Sequential(GLU2d(1, w, norm=False), GLU2d(w, 2 * w, 2), GLU2d(2 * w, 4 * w, 2),
                                  GLU2d(4 * w, 4 * w, 2))
        self.head = nn.Conv2d(4 * w, 1, (1, 3), padding=(0, 1))
        self.embed = nn.Embedding(n_speakers, 4 * w) if n_speakers else None
        if self.embed is not None:
            nn.init.normal_(self.embed.weight, std=0.02)  # the projection term starts small beside the head

    def forward(self, x: torch.Tensor, speaker: torch.Tensor | None = None) -> torch.Tensor:
        h = self.body(x[:, None])                                   # (B, 4w, 5, T/8)
        out = self.head(h)[:, 0]                                    # (B, 5, T/8)
        if self.embed is not None:
            out = out + torch.einsum("bchw,bc->bhw", h, self.embed(speaker))
        return out


class CondNorm1d(nn.Module):
    """Instance norm with a learned scale and shift, or (n_code > 0) a scale and shift computed from a code:
    conditional instance normalisation (StarGAN-VC2's modulation of the residual blocks)."""

    def __init__(self, ch: int, n_code: int = 0):
        super().__init__()
        self.norm = nn.InstanceNorm1d(ch, affine=n_code == 0)
        self.film = nn.Linear(n_code, 2 * ch) if n_code else None
        if self.film is not None:  # start as plain instance norm: scale 1, shift 0
            nn.init.zeros_(self.film.weight)
            nn.init.constant_(self.film.bias[:ch], 1.0)
            nn.init.zeros_(self.film.bias[ch:])

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm(x)
        if self.film is None:
            return h
        scale, shift = self.film(code).chunk(2, 1)
        return h * scale[..., None] + shift[..., None]


class Res1d(nn.Module):
    """x + CIN(conv(GLU(CIN(conv(x))))): the 1-D residual block of CycleGAN-VC2 (n_code 0) / StarGAN-VC2."""

    def __init__(self, ch: int, n_code: int = 0):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv1d(ch, 2 * ch, 3, padding=1), CondNorm1d(2 * ch, n_code)
        self.conv2, self.norm2 = nn.Conv1d(ch, ch, 3, padding=1), CondNorm1d(ch, n_code)

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        h = F.glu(self.norm1(self.conv1(x), code), dim=1)
        return x + self.norm2(self.conv2(h), code)


class GLU2dK(nn.Module):
    """Conv2d (kernel k, stride s) to 2*cout channels, instance norm, GLU -> cout channels."""

    def __init__(self, cin: int, cout: int, k: int = 5, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, 2 * cout, k, stride, k // 2)
        self.norm = nn.InstanceNorm2d(2 * cout, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.norm(self.conv(x)), dim=1)


class Generator212(nn.Module):
    """CycleGAN-VC2's 2-1-2D generator (Kaneko et al., ICASSP 2019): (B, 35, T) standardised mel-cepstra ->
    (B, 35, T). 2-D gated convolutions over the (coefficient, time) plane down-sample both axes by 4 (the
    coefficient axis padded 35 -> 36), a 1x1 convolution turns the plane into 1-D channels, `n_res` 1-D gated
    residual blocks convert, and the mirror image comes back up (nearest-neighbour up-sampling + gated 2-D
    convolutions; the paper uses pixel shuffle). Widths: 2-D `width`, 2*width (paper 128, 256), 1-D `res_width`
    (paper 256). With `n_code` > 0 the residual blocks' instance norms are conditioned on a code (StarGAN-VC2).
    With `residual` (not in the papers) the output is added to the input, so an untrained G is the identity
    pipeline (the mean-variance conversion) and training learns the correction. Any T works (padded to a
    multiple of 4 inside)."""

    def __init__(self, n_feats: int = N_FEATS, width: int = 32, res_width: int = 128, n_res: int = 6,
                 n_code: int = 0, residual: bool = True):
        super().__init__()
        w = width
        self.rows = -(-n_feats // 4) * 4                                   # 35 -> 36
        self.residual = residual
        self.inp = nn.Conv2d(1, 2 * w, (5, 15), padding=(2, 7))           # GLU -> w channels
        self.down = nn.Sequential(GLU2dK(w, 2 * w, 5, 2), GLU2dK(2 * w, 2 * w, 5, 2))
        flat = 2 * w * self.rows // 4
        self.to1d = nn.Sequential(nn.Conv1d(flat, res_width, 1), nn.InstanceNorm1d(res_width, affine=True))
        self.res = nn.ModuleList([Res1d(res_width, n_code) for _ in range(n_res)])
        self.to2d = nn.Sequential(nn.Conv1d(res_width, flat, 1), nn.InstanceNorm1d(flat, affine=True))
        self.up = nn.ModuleList([GLU2dK(2 * w, 2 * w, 5), GLU2dK(2 * w, w, 5)])
        self.out = nn.Conv2d(w, 1, (5, 15), padding=(2, 7))

    def forward(self, x: torch.Tensor, code: torch.Tensor | None = None) -> torch.Tensor:
        b, n, t = x.shape
        pad_t = max(16, t + (-t) % 4) - t
        h = F.pad(x, (0, pad_t), mode="replicate") if pad_t else x
        h = F.pad(h[:, None], (0, 0, 0, self.rows - n), mode="replicate")  # (B, 1, 36, T')
        h = F.glu(self.inp(h), dim=1)
        h = self.down(h)                                                     # (B, 2w, 9, T'/4)
        c, r, tq = h.shape[1:]
        h = self.to1d(h.reshape(b, c * r, tq))
        for block in self.res:
            h = block(h, code)
        h = self.to2d(h).reshape(b, c, r, tq)
        for layer in self.up:
            h = layer(F.interpolate(h, scale_factor=2, mode="nearest"))
        y = self.out(h)[:, 0, :n, :t]
        return x + y if self.residual else y


class SpeakerNet(nn.Module):
    """Speaker classifier: (B, 35, T) mel-cepstra -> logits (B, S), averaged over time (any length)."""

    def __init__(self, n_speakers: int, n_feats: int = N_FEATS, width: int = 64, dropout: float = 0.2):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv1d(n_feats, w, 5, padding=2), nn.LeakyReLU(0.2),
            nn.Conv1d(w, 2 * w, 5, 2, 2), nn.LeakyReLU(0.2),
            nn.Conv1d(2 * w, 2 * w, 5, 2, 2), nn.LeakyReLU(0.2), nn.Dropout(dropout),
            nn.Conv1d(2 * w, n_speakers, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x).mean(-1)


# ---- conversion of a waveform ----------------------------------------------------------------------------
def read_speech(value) -> np.ndarray:
    """Whatever the user gave -> float32 mono 16 kHz, loudness-normalised; BadInput with the reason."""
    return audio.read_audio(value, audio.WORLD_SR, max_seconds=MAX_SECONDS, min_seconds=0.3)


def check_speaker(name, speakers, what: str) -> str:
    if name not in speakers:
        raise BadInput(f"{what} speaker must be one of {', '.join(speakers)}, not {name!r}.")
    return name


class Analysis:
    """WORLD analysis of one waveform (`analyze`), kept for synthesis: f0, mel-cepstrum (N, 36), aperiodicity."""

    def __init__(self, wav: np.ndarray):
        self.wav = wav
        self.f0, sp, self.ap = analyze(wav)
        self.mcep = audio.sp_to_mcep(sp, MCEP_ORDER)


def convert_analysis(a: Analysis, convert_feats, src_stats: dict, trg_stats: dict) -> np.ndarray:
    """Convert one analysed utterance with `convert_feats`: (1, 35, N) standardised -> (1, 35, N), then
    synthesise with the transformed F0, the source's c0 and aperiodicity; same length as the input."""
    x = torch.from_numpy(normalise(a.mcep, src_stats))[None]
    with torch.inference_mode():
        y = convert_feats(x)[0].float().numpy()
    mcep = np.concatenate([a.mcep[:, :1], denormalise(y, trg_stats)], axis=1)
    f0 = audio.convert_f0(a.f0, tuple(src_stats["lf0"]), tuple(trg_stats["lf0"]))
    out = audio.world_synthesize(f0, audio.mcep_to_sp(mcep, FFT_SIZE), a.ap, length=len(a.wav))
    if not np.isfinite(out).all():
        raise XmganError("The conversion produced invalid samples; try another recording.")
    return audio.normalise_loudness(out)


def identity(x: torch.Tensor) -> torch.Tensor:
    """The untrained pipeline's 'generator': standardised source features passed through unchanged, so the
    conversion is only the statistics (mean-variance), the F0 transform and resynthesis."""
    return x


def judge_net_input(mcep: np.ndarray, f0: np.ndarray, judge_cfg: dict) -> torch.Tensor:
    """(N, 36) mel-cepstrum of an utterance -> (1, 35, n) standardised with the judge's global statistics,
    leading and trailing silence cut (the old feature-space judge, checkpoints/speaker_judge: kept for its
    training script; the evaluation and the app use the waveform judge)."""
    mc = mcep[speech_region(f0)]
    x = (mc[:, 1:] - np.asarray(judge_cfg["mcep_mean"][1:])) / np.asarray(judge_cfg["mcep_std"][1:])
    return torch.from_numpy(x.T.astype(np.float32))[None]


def verdict_text(source: str, target: str, wav_in: np.ndarray, wav_out: np.ndarray) -> str:
    judge = get_wave_judge("speaker_wave_judge")
    head = f"**{source} → {target}**"
    if judge is None:
        return head + " (speaker judge weights not found: train them with `python train/train_speaker_wave_judge.py`)."
    p_in, p_out = judge.probs(wav_in), judge.probs(wav_out)
    name = judge.labels
    return (f"{head}\n\nSpeaker judge (listening to the waveform): the input sounds like "
            f"**{name[int(p_in.argmax())]}** ({p_in.max():.0%}); the conversion sounds like "
            f"**{name[int(p_out.argmax())]}** ({p_out.max():.0%}, {target}: {p_out[name.index(target)]:.0%}).")


def convert_for_app(value, source: str, target: str, converter) -> tuple:
    """What a VC tab shows: ((16000, int16) converted speech of the input's length, spectrograms of input
    and output side by side, the speaker judge's verdict). `converter(source, target)` gives the model's
    (feature converter, source stats, target stats)."""
    wav = read_speech(value)
    fn, src_stats, trg_stats = converter(source, target)
    out = convert_analysis(Analysis(wav), fn, src_stats, trg_stats)
    image = plots.spectrogram_image([(f"input ({source})", wav), (f"converted to {target}", out)], audio.WORLD_SR)
    return audio.to_pcm(out, audio.WORLD_SR), image, verdict_text(source, target, wav, out)


# ---- evaluation ------------------------------------------------------------------------------------------
def world_floor(wav: np.ndarray) -> np.ndarray:
    """The vocoder's floor: Harvest + CheapTrick + D4C (full envelope and aperiodicity, 5 ms) -> synthesis."""
    import pyworld as pw

    x = np.ascontiguousarray(wav, dtype=np.float64)
    sr = audio.WORLD_SR
    f0, t = pw.harvest(x, sr, f0_floor=audio.F0_FLOOR, f0_ceil=audio.F0_CEIL, frame_period=audio.FRAME_PERIOD)
    sp = pw.cheaptrick(x, f0, t, sr, f0_floor=audio.F0_FLOOR)
    ap = pw.d4c(x, f0, t, sr)
    return audio.world_synthesize(f0, sp, ap, length=len(wav))


class EvalMemo:
    """What the evaluation measures that does not depend on the generator's weights (the real recordings, the
    WORLD floor, the coding floor and the identity pipeline for given statistics, no conversion), kept on disk
    under the WORLD cache folder and keyed on the code that produces it (measuring toolchain, analysis and
    synthesis, the judge's weights), so evaluating new weights re-measures only their conversions."""

    def __init__(self, judge):
        import inspect

        src = data_dir() / SPEECH_DATASETS["vcc2016"]
        code = "".join(inspect.getsource(f) for f in (analyze, highpass, convert_analysis, world_floor, Analysis))
        code += f"{src.resolve()}:{src.stat().st_size}:{src.stat().st_mtime_ns}"
        key = hashlib.sha1((Path(vm.__file__).read_text() + code + str(judge.cfg["mel_mean"])
                            + str(sum(float(p.detach().sum()) for p in judge.net.parameters()))).encode()).hexdigest()[:12]
        self.path = cache_dir() / f"eval_{key}.npz"
        self.data: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as z:
                self.data = {k: z[k] for k in z.files}
        self.dirty = False

    @staticmethod
    def stats_key(*stats: dict) -> str:
        return hashlib.sha1(repr([sorted(s.items()) for s in stats]).encode()).hexdigest()[:12]

    def value(self, key: str, compute):
        if key not in self.data:
            self.data[key] = np.asarray(compute(), dtype=np.float64)
            self.dirty = True
        v = self.data[key]
        return v.tolist() if v.ndim else float(v)

    def measured(self, key: str, compute):
        if key + "|mcep" not in self.data:
            m = compute()
            self.data[key + "|mcep"], self.data[key + "|f0"] = m.mcep, m.f0
            self.dirty = True
        return vm.Measured(self.data[key + "|mcep"], self.data[key + "|f0"])

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, **self.data)
            os.replace(tmp, self.path)
            self.dirty = False


def _mean(v) -> float:
    return round(float(np.mean(v)), 4)


def evaluate_directions(converter_for, directions: list[tuple[str, str]], limit: int | None = None) -> dict:
    """Convert the evaluation sentences (200001-200054) of each source speaker to each target and measure the
    *waveforms* with tools that share nothing with the converter: MCD by xmgan.judges.speech (re-analysis, its own
    mel-cepstrum, DTW) against the target speaker's recording of the same sentence, log-F0 RMSE and
    correlation along the same path, and the waveform speaker judge (xmgan.judges.wave). Beside the model, per
    direction: no conversion (source recording vs target recording), the identity pipeline (the generator
    replaced by the identity: statistics + F0 + resynthesis), and for the target speaker the pipeline's coding
    floor (its recording analysed, coded and resynthesised) and the vocoder's (Harvest + CheapTrick + D4C).
    `converter_for(source, target)` gives (feature function, source statistics, target statistics). Returns
    {"by_direction": {"sf1_to_tm1": metrics, ...}}; the real-time factor is over the whole `convert` work
    (analysis + network + synthesis) of every conversion."""
    import time

    from tqdm import tqdm

    speech = load_speech("vcc2016")
    judge = WaveJudge("speaker_wave_judge")
    memo = EvalMemo(judge)
    spks = sorted({s for d in directions for s in d})
    utts = sorted(set(speech.extra["utt"][speech.where("eval")].tolist()))[:limit]
    wav, ana, took, ref = {}, {}, {}, {}   # (speaker, utt) -> recording; its Analysis; seconds; measured
    for spk in tqdm(spks, desc="analysing the evaluation recordings", mininterval=10):
        for i in speech.where("eval", spk):
            u = int(speech.extra["utt"][i])
            if u in utts:
                w = audio.normalise_loudness(speech.wavs[i])
                t0 = time.perf_counter()
                ana[spk, u] = Analysis(w)
                took[spk, u] = time.perf_counter() - t0
                wav[spk, u], ref[spk, u] = w, memo.measured(f"ref|{spk}|{u}", lambda: vm.measure(w))
    judge_real = _mean([judge.name(wav[k]) == k[0] for k in wav])
    floors = {}  # target speaker -> (resynthesis MCD, WORLD floor MCD), each the mean over the sentences
    out, seconds, busy = {}, 0.0, 0.0
    for src, trg in tqdm(directions, desc="directions", mininterval=10):
        fn, s_stats, t_stats = converter_for(src, trg)
        if trg not in floors:
            key = EvalMemo.stats_key(t_stats)
            resyn = [memo.value(f"resyn|{key}|{trg}|{u}", lambda u=u: vm.mcd(vm.measure(
                convert_analysis(ana[trg, u], identity, t_stats, t_stats)), ref[trg, u])[0]) for u in utts]
            floor = [memo.value(f"floor|{trg}|{u}", lambda u=u: vm.mcd(vm.measure(world_floor(wav[trg, u])),
                                                                      ref[trg, u])[0]) for u in utts]
            floors[trg] = (_mean(resyn), _mean(floor))
        key = EvalMemo.stats_key(s_stats, t_stats)
        m = {k: [] for k in ("mcd", "none", "ident", "hit", "hit_ident", "la", "lb")}
        for u in utts:
            a, target = ana[src, u], ref[trg, u]
            t0 = time.perf_counter()
            conv = convert_analysis(a, fn, s_stats, t_stats)
            busy += time.perf_counter() - t0 + took[src, u]  # + the source's WORLD analysis, as `convert` does
            seconds += len(a.wav) / audio.WORLD_SR

            def baseline(a=a, target=target):  # the identity pipeline: (MCD, judge says target)
                base = convert_analysis(a, identity, s_stats, t_stats)
                return [vm.mcd(vm.measure(base), target)[0], float(judge.name(base) == trg)]

            ident_mcd, ident_hit = memo.value(f"ident|{key}|{src}|{trg}|{u}", baseline)
            conv_m = vm.measure(conv)
            mc, path = vm.mcd(conv_m, target)
            x, y = vm.lf0_pairs(conv_m, target, path)
            m["mcd"].append(mc)
            m["none"].append(memo.value(f"none|{src}|{trg}|{u}", lambda u=u: vm.mcd(ref[src, u], ref[trg, u])[0]))
            m["ident"].append(ident_mcd)
            m["hit"].append(judge.name(conv) == trg)
            m["hit_ident"].append(bool(ident_hit))
            m["la"].append(x)
            m["lb"].append(y)
        la, lb = np.concatenate(m["la"]), np.concatenate(m["lb"])
        d = {"source": src, "target": trg, "n_sentences": len(utts),
             "mcd_db": _mean(m["mcd"]), "mcd_identity_db": _mean(m["ident"]), "mcd_no_conversion_db": _mean(m["none"]),
             "mcd_resynthesis_db": floors[trg][0], "mcd_world_floor_db": floors[trg][1],
             "judge_target_rate": _mean(m["hit"]), "judge_target_rate_identity": _mean(m["hit_ident"]),
             "lf0_rmse": round(float(np.sqrt(np.mean((la - lb) ** 2))), 4),
             "lf0_corr": round(float(np.corrcoef(la, lb)[0, 1]), 4),
             "sentences_better_than_identity": _mean(np.array(m["mcd"]) < np.array(m["ident"])),
             "judge_accuracy_real_eval": judge_real}
        d["mcd_gain_over_identity_db"] = round(d["mcd_identity_db"] - d["mcd_db"], 4)
        d["mcd_gain_db"] = round(d["mcd_no_conversion_db"] - d["mcd_db"], 4)
        d["coding_loss_db"] = round(d["mcd_resynthesis_db"] - d["mcd_world_floor_db"], 4)
        out[f"{src.lower()}_to_{trg.lower()}"] = d
        log.info("%s -> %s: MCD %.2f dB (identity pipeline %.2f, no conversion %.2f, resynthesis %.2f, WORLD floor "
                 "%.2f), judge %.0f%% (identity %.0f%%), lf0 RMSE %.3f corr %.3f", src, trg, d["mcd_db"],
                 d["mcd_identity_db"], d["mcd_no_conversion_db"], d["mcd_resynthesis_db"], d["mcd_world_floor_db"],
                 100 * d["judge_target_rate"], 100 * d["judge_target_rate_identity"], d["lf0_rmse"], d["lf0_corr"])
        memo.save()
    rtf = round(busy / seconds, 4) if seconds else 0.0
    for d in out.values():
        d["real_time_factor"] = rtf
    return {"by_direction": out}


def direction_goals(directions: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Issue 16's goals, per direction entry of metrics.json ("_max": upper bounds)."""
    goals = {"mcd_gain_over_identity_db": 0.5, "mcd_gain_db": 1.0, "judge_target_rate": 0.9,
             "coding_loss_db_max": 0.3, "real_time_factor_max": 0.25}
    return {f"{s.lower()}_to_{t.lower()}": dict(goals) for s, t in directions}


if __name__ == "__main__":  # python -m xmgan.models._vc export .gpu/vcc2016_train_f16.npz
    import sys

    if len(sys.argv) != 3 or sys.argv[1] != "export":
        raise SystemExit("usage: python -m xmgan.models._vc export PATH")
    logging.basicConfig(level=logging.INFO)
    print(export_features(Path(sys.argv[2])))
