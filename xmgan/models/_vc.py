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
F0 goes through the log-Gaussian normalised transform and aperiodicity is passed through, as in both papers.
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

from .. import audio
from ..errors import BadInput, XmganError
from ..metrics import dtw_path, mcd

log = logging.getLogger(__name__)

MCEP_ORDER = 35          # c0..c35 are analysed; the networks convert c1..c35
N_FEATS = MCEP_ORDER     # feature channels the networks see
FFT_SIZE = 1024          # CheapTrick's FFT at 16 kHz with F0 floor 71 Hz
MAX_SECONDS = 30.0
SPEAKERS = ("SF1", "SF2", "TM1", "TM2")


# ---- features of the corpus ------------------------------------------------------------------------------
def cache_dir() -> Path:
    env = os.environ.get("XMGAN_WORLD_CACHE")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "runs" / "world_cache"


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
    """WORLD F0 and mel-cepstra of every utterance of a speech corpus; computed once (a few minutes on
    one core for VCC2016) and cached as an npz keyed on the data file's size and time."""
    from ..data import SPEECH_DATASETS, data_dir, load_speech

    folder = data_dir()
    src = folder / SPEECH_DATASETS[name] if folder else None
    key = f"{src}:{src.stat().st_size}:{src.stat().st_mtime_ns}" if src and src.is_file() else name
    path = cache_dir() / f"{name}_{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz"
    if not path.is_file():
        from tqdm import tqdm

        speech = load_speech(name)
        f0s, mceps = [], []
        for wav in tqdm(speech.wavs, desc=f"WORLD analysis of {name}", mininterval=10):
            f0, sp, _ = audio.world_analyze(wav, speech.sr, aperiodicity=False)
            f0s.append(f0.astype(np.float32))
            mceps.append(audio.sp_to_mcep(sp, MCEP_ORDER).astype(np.float32))
        off = np.cumsum([0] + [len(f) for f in f0s])
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, f0=np.concatenate(f0s), mcep=np.concatenate(mceps), offsets=off, speaker=speech.speaker,
                 speakers=np.array(speech.speakers), split=speech.split, utt=speech.extra["utt"])
        os.replace(tmp, path)
    with np.load(path) as z:
        z = {k: z[k] for k in z.files}  # each z[k] of an NpzFile reads the whole array again: read once
    off = z["offsets"]
    f0 = np.split(z["f0"], off[1:-1])
    mc = np.split(z["mcep"], off[1:-1])
    return CorpusFeatures(f0, mc, z["speaker"].astype(np.int64), [str(s) for s in z["speakers"]],
                          z["split"].astype(str), z["utt"].astype(np.int64))


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
    """Random fixed-length training segments of standardised mel-cepstra, per speaker (speech regions only)."""

    def __init__(self, feats: CorpusFeatures, stats: dict, groups: dict[str, np.ndarray], frames: int = 128):
        self.frames = frames
        self.data = {}
        for spk, idx in groups.items():
            utts = [normalise(feats.mcep[i][speech_region(feats.f0[i])], stats[spk]) for i in idx]
            self.data[spk] = [np.pad(u, ((0, 0), (0, max(0, frames - u.shape[1]))), mode="reflect" if u.shape[1] > 1 else "edge")
                              for u in utts]

    def batch(self, spk: str, n: int, g: torch.Generator) -> torch.Tensor:
        """(n, 35, frames) float32 from random utterances and offsets of one speaker."""
        utts = self.data[spk]
        pick = torch.randint(0, len(utts), (n,), generator=g).tolist()
        out = []
        for i in pick:
            u = utts[i]
            start = int(torch.randint(0, u.shape[1] - self.frames + 1, (1,), generator=g))
            out.append(u[:, start:start + self.frames])
        return torch.from_numpy(np.stack(out))


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
    """WORLD analysis of one waveform, kept for synthesis: f0, mel-cepstrum (N, 36), aperiodicity."""

    def __init__(self, wav: np.ndarray):
        self.wav = wav
        self.f0, sp, self.ap = audio.world_analyze(wav)
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


def judge_net_input(mcep: np.ndarray, f0: np.ndarray, judge_cfg: dict) -> torch.Tensor:
    """(N, 36) mel-cepstrum of an utterance -> (1, 35, n) standardised with the judge's global statistics,
    leading and trailing silence cut."""
    mc = mcep[speech_region(f0)]
    x = (mc[:, 1:] - np.asarray(judge_cfg["mcep_mean"][1:])) / np.asarray(judge_cfg["mcep_std"][1:])
    return torch.from_numpy(x.T.astype(np.float32))[None]


class SpeakerJudge:
    """The evaluation speaker classifier of checkpoints/speaker_judge/ (train/train_speaker_judge.py)."""

    def __init__(self, folder: Path | None = None):
        from .. import hub

        folder = folder or hub.resolve("speaker_judge")
        cfg, tensors = hub.load_checkpoint(folder)
        self.cfg = cfg["variants"]["vcc2016"]
        self.speakers = list(self.cfg["speakers"])
        self.net = SpeakerNet(len(self.speakers), width=self.cfg["width"]).eval()
        self.net.load_state_dict(hub.variant_state(tensors, "vcc2016"))

    @torch.inference_mode()
    def probs(self, mcep: np.ndarray, f0: np.ndarray) -> np.ndarray:
        return torch.softmax(self.net(judge_net_input(mcep, f0, self.cfg)), -1)[0].numpy()

    def of_wav(self, wav: np.ndarray) -> np.ndarray:
        f0, sp, _ = audio.world_analyze(wav, aperiodicity=False)
        return self.probs(audio.sp_to_mcep(sp, MCEP_ORDER), f0)


_JUDGE: list = []


def get_speaker_judge() -> SpeakerJudge | None:
    """The shipped judge, loaded once; None when its weights are missing (the verdict is then left out)."""
    from ..errors import WeightsNotFound

    if not _JUDGE:
        try:
            _JUDGE.append(SpeakerJudge())
        except WeightsNotFound as e:
            log.warning("no speaker judge: %s", e)
            _JUDGE.append(None)
    return _JUDGE[0]


def verdict_text(source: str, target: str, wav_in: np.ndarray, wav_out: np.ndarray) -> str:
    judge = get_speaker_judge()
    head = f"**{source} → {target}**"
    if judge is None:
        return head + " (speaker judge weights not found: train them with `python train/train_speaker_judge.py`)."
    p_in, p_out = judge.of_wav(wav_in), judge.of_wav(wav_out)
    name = judge.speakers
    return (f"{head}\n\nSpeaker judge: the input sounds like **{name[int(p_in.argmax())]}** ({p_in.max():.0%}); "
            f"the conversion sounds like **{name[int(p_out.argmax())]}** ({p_out.max():.0%}, "
            f"{target}: {p_out[name.index(target)]:.0%}).")


def convert_for_app(value, source: str, target: str, converter) -> tuple:
    """What a VC tab shows: ((16000, int16) converted speech of the input's length, spectrograms of input
    and output side by side, the speaker judge's verdict). `converter(source, target)` gives the model's
    (feature converter, source stats, target stats)."""
    wav = read_speech(value)
    fn, src_stats, trg_stats = converter(source, target)
    out = convert_analysis(Analysis(wav), fn, src_stats, trg_stats)
    image = audio.spectrogram_image([(f"input ({source})", wav), (f"converted to {target}", out)], audio.WORLD_SR)
    return audio.to_pcm(out, audio.WORLD_SR), image, verdict_text(source, target, wav, out)


# ---- evaluation ------------------------------------------------------------------------------------------
MCD_ORDER = 24  # MCD on c1..c24, the usual choice (e.g. sprocket, ESPnet)


def _lf0_on_path(f0_a: np.ndarray, f0_b: np.ndarray, ia: np.ndarray, ib: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log F0 of the aligned frame pairs where both are voiced."""
    a, b = f0_a[ia], f0_b[ib]
    v = (a > 0) & (b > 0)
    return np.log(a[v]), np.log(b[v])


def evaluate_directions(converter_for, directions: list[tuple[str, str]], limit: int | None = None) -> dict:
    """Convert the evaluation sentences (200001-200054) of each source speaker to each target; per direction:
    MCD (dB, c1..c24, DTW, speech region) against the target speaker's real recording of the same sentence
    beside the no-conversion baseline (source recording vs target recording), the judge's rate of the target
    speaker, log-F0 RMSE and correlation along the same DTW path. `converter_for(source, target)` gives
    (feature function, source statistics, target statistics). Also the real-time factor of `convert`
    (WORLD analysis + network + synthesis) over all conversions."""
    import time

    from tqdm import tqdm

    from ..data import load_speech

    speech = load_speech("vcc2016")
    judge = SpeakerJudge()
    spks = sorted({s for d in directions for s in d})
    utts = sorted(set(speech.extra["utt"][speech.where("eval")].tolist()))[:limit]
    ana, ref, took = {}, {}, {}  # (speaker, utt) -> Analysis; -> (c0..c24 and f0 of the speech region, all c); -> s
    for spk in spks:
        for i in speech.where("eval", spk):
            u = int(speech.extra["utt"][i])
            if u in utts:
                t0 = time.perf_counter()
                a = Analysis(speech.wavs[i])
                took[spk, u] = time.perf_counter() - t0
                r = speech_region(a.f0)
                ana[spk, u], ref[spk, u] = a, (a.mcep[r, :MCD_ORDER + 1], a.f0[r], a.mcep)
    real_ok = [int(judge.probs(ref[k][2], ana[k].f0).argmax()) == judge.speakers.index(k[0]) for k in ref]
    out = {k: {} for k in ("mcd_db", "mcd_baseline_db", "mcd_gain_db", "judge_target_rate", "lf0_rmse", "lf0_corr")}
    seconds, busy = 0.0, 0.0
    for src, trg in tqdm(directions, desc="directions", mininterval=10):
        fn, s_stats, t_stats = converter_for(src, trg)
        mcds, bases, hits, la, lb = [], [], [], [], []
        for u in utts:
            a = ana[src, u]
            t0 = time.perf_counter()
            wav = convert_analysis(a, fn, s_stats, t_stats)
            busy += time.perf_counter() - t0 + took[src, u]  # + the source's WORLD analysis, as `convert` does
            seconds += len(a.wav) / audio.WORLD_SR
            f0, sp, _ = audio.world_analyze(wav, aperiodicity=False)
            mc_full = audio.sp_to_mcep(sp, MCEP_ORDER)
            r = speech_region(f0)
            conv, conv_f0 = mc_full[r, :MCD_ORDER + 1], f0[r]
            t_mc, t_f0, _ = ref[trg, u]
            ia, ib = dtw_path(conv[:, 1:], t_mc[:, 1:])
            mcds.append(mcd(conv, t_mc, (ia, ib)))
            bases.append(mcd(ref[src, u][0], t_mc))
            hits.append(int(judge.probs(mc_full, f0).argmax()) == judge.speakers.index(trg))
            x, y = _lf0_on_path(conv_f0, t_f0, ia, ib)
            la.append(x)
            lb.append(y)
        name = f"{src}→{trg}"
        la, lb = np.concatenate(la), np.concatenate(lb)
        out["mcd_db"][name] = round(float(np.mean(mcds)), 3)
        out["mcd_baseline_db"][name] = round(float(np.mean(bases)), 3)
        out["mcd_gain_db"][name] = round(out["mcd_baseline_db"][name] - out["mcd_db"][name], 3)
        out["judge_target_rate"][name] = round(float(np.mean(hits)), 4)
        out["lf0_rmse"][name] = round(float(np.sqrt(np.mean((la - lb) ** 2))), 4)
        out["lf0_corr"][name] = round(float(np.corrcoef(la, lb)[0, 1]), 4)
        log.info("%s: MCD %.2f dB (baseline %.2f), judge %.0f%%, lf0 RMSE %.3f, corr %.3f", name, out["mcd_db"][name],
                 out["mcd_baseline_db"][name], 100 * out["judge_target_rate"][name], out["lf0_rmse"][name],
                 out["lf0_corr"][name])
    rtf = busy / seconds if seconds else 0.0
    return {
        "n_sentences": len(utts), "n_directions": len(directions),
        "mean_mcd_db": round(float(np.mean(list(out["mcd_db"].values()))), 3),
        "mean_mcd_baseline_db": round(float(np.mean(list(out["mcd_baseline_db"].values()))), 3),
        "min_mcd_gain_db": round(float(min(out["mcd_gain_db"].values())), 3),
        "min_judge_target_rate": round(float(min(out["judge_target_rate"].values())), 4),
        "mean_judge_target_rate": round(float(np.mean(list(out["judge_target_rate"].values()))), 4),
        "judge_accuracy_real_eval": round(float(np.mean(real_ok)), 4),
        "mean_lf0_rmse": round(float(np.mean(list(out["lf0_rmse"].values()))), 4),
        "mean_lf0_corr": round(float(np.mean(list(out["lf0_corr"].values()))), 4),
        "real_time_factor": round(float(rtf), 3),
        **out,
    }
