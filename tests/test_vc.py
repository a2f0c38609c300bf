"""Voice conversion: WORLD feature coding, the F0 transform, the independent MCD toolchain, the waveform speaker
judge, the baselines of the evaluation, the feature file for training without pyworld, the VC networks and
the pipelines' input checks."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT
from xmgan import audio
from xmgan.errors import BadInput
from xmgan.judges import speech as vm
from xmgan.judges import wave as sw
from xmgan.models import _vc
from xmgan.models.cyclegan_vc import CycleganVcPipeline
from xmgan.models.stargan_vc import StarganVcPipeline

SR = audio.WORLD_SR


def vowel(seconds: float = 1.0, f0: float = 140.0, sr: int = SR) -> np.ndarray:
    """A buzzy vowel-like sound with a gliding pitch: harmonics under two formant-like bumps."""
    t = np.arange(int(seconds * sr)) / sr
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.1 * np.sin(2 * np.pi * 2 * t))) / sr
    x = sum(np.sin(k * phase) * (np.exp(-((k * f0 - 700) / 300) ** 2) + 0.5 * np.exp(-((k * f0 - 1800) / 400) ** 2))
            for k in range(1, 40))
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def test_mcep_decode_then_encode_is_the_identity():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(5, 36)) * np.r_[1.0, 0.5 / np.arange(1, 36)]
    back = audio.sp_to_mcep(audio.mcep_to_sp(c, 1024), 35)
    assert np.abs(back - c).max() < 0.02


def test_world_round_trip_keeps_the_length_and_the_envelope():
    wav = vowel()
    f0, sp, ap = audio.world_analyze(wav)
    assert (f0[20:-20] > 100).mean() > 0.9  # voiced, about 140 Hz
    mc = audio.sp_to_mcep(sp, 35)
    smooth = audio.mcep_to_sp(mc, 1024)
    voiced = f0 > 0
    err_db = np.abs(10 * np.log10(smooth[voiced] / sp[voiced]))
    assert np.median(err_db) < 3.0
    y = audio.world_synthesize(f0, smooth, ap, length=len(wav))
    assert y.shape == wav.shape and np.isfinite(y).all() and y.std() > 0.01


def test_log_gaussian_f0_transform_moves_mean_and_spread():
    rng = np.random.default_rng(1)
    f0 = np.exp(rng.normal(5.3, 0.2, 2000))
    f0[::7] = 0  # unvoiced frames
    out = audio.convert_f0(f0, audio.logf0_stats([f0]), (4.7, 0.1))
    assert (out[::7] == 0).all()
    mean, std = audio.logf0_stats([out])
    assert abs(mean - 4.7) < 1e-6 and abs(std - 0.1) < 1e-6


def test_mcd_formula_alignment_and_energy():
    rng = np.random.default_rng(2)
    a = vm.Measured(rng.normal(size=(50, 25)), np.full(50, 120.0))
    b = vm.Measured(a.mcep.copy(), a.f0)
    b.mcep[:, 3] += 0.5
    b.mcep[:, 0] += 10.0  # c0 (energy) is left out
    value, path = vm.mcd(a, b)
    assert value == pytest.approx(vm.MCD_K * 0.5) and (path[0] == path[1]).all()
    stretched = vm.Measured(np.repeat(a.mcep, 2, axis=0), np.repeat(a.f0, 2))  # twice as slow: DTW aligns it
    assert vm.mcd(a, stretched)[0] == pytest.approx(0.0, abs=1e-9)


def test_measuring_mel_cepstrum_agrees_with_the_converters_own_coding():
    """Two independent implementations of the same transform (fine-grid interpolation vs fixed matrices)."""
    f0, sp, _ = audio.world_analyze(vowel())
    sp = np.maximum(sp[f0 > 0], 1e-10)  # the two floor log(0) differently: give them the same floor
    ours, theirs = vm.mel_cepstrum(sp), audio.sp_to_mcep(sp, vm.ORDER)
    assert np.abs(ours - theirs)[:, 1:].max() < 0.05 * np.abs(theirs[:, 1:]).max()


def test_measure_tells_vocoded_speech_from_another_voice():
    wav = vowel(1.5)
    m = vm.measure(wav)
    assert vm.mcd(m, m)[0] == 0.0
    f0, sp, ap = audio.world_analyze(wav)
    vocoded = audio.world_synthesize(f0, sp, ap, length=len(wav))
    other = vowel(1.5, f0=220.0)   # another pitch: the harmonics sample other points of the formant bumps
    assert vm.mcd(vm.measure(vocoded), m)[0] < vm.mcd(vm.measure(other), m)[0]
    x, y = vm.lf0_pairs(m, m, (np.arange(len(m.f0)), np.arange(len(m.f0))))
    assert len(x) > 50 and np.allclose(x, y) and abs(np.exp(x.mean()) - 140) < 15


def test_judge_front_end_trims_silence_and_ignores_gain():
    wav = np.concatenate([np.zeros(8000, np.float32), vowel(1.0), np.zeros(8000, np.float32)])
    a, b = sw.log_mel(wav), sw.log_mel(4 * wav)
    assert a.shape[0] == sw.N_MELS and abs(a.shape[1] - 100) <= 6   # 1 s of speech in 10 ms hops (+ window overhang), silence cut
    assert np.abs(a - b).max() < 1e-3


@pytest.mark.parametrize("frames", [1, 7, 300])
def test_wave_judge_network_takes_any_length(frames):
    net = sw.WaveNet(4, width=16).eval()
    assert net(torch.randn(2, sw.N_MELS, frames)).shape == (2, 4)


def test_shipped_wave_judge_names_the_fixture_speakers():
    """Real VCC2016 recordings (the fixture's evaluation sentences): the judge, trained on other sentences, must
    name every speaker; a WORLD-vocoded copy keeps its speaker."""
    from xmgan.data import load_speech

    judge = sw.WaveJudge("speaker_wave_judge")
    speech = load_speech("vcc2016")
    idx = speech.where("eval")
    names = [judge.name(speech.wavs[i]) for i in idx]
    assert names == [speech.speakers[k] for k in speech.speaker[idx]]
    f0, sp, ap = audio.world_analyze(speech.wavs[idx[0]])
    assert judge.name(audio.world_synthesize(f0, sp, ap)) == names[0]


def test_rumble_in_the_pauses_does_not_become_hum():
    """A 40 Hz rumble in the leading pause (as in the VCC2016 recordings) must not come out as broadband noise."""
    t = np.arange(int(0.3 * SR)) / SR
    pause = (0.02 * np.sin(2 * np.pi * 40 * t) + 1e-4 * np.random.default_rng(0).normal(size=len(t))).astype(np.float32)
    wav = np.concatenate([pause, vowel(1.0)])
    stats = _vc.neutral_stats(("A", "B"))
    out = _vc.convert_analysis(_vc.Analysis(wav), _vc.identity, stats["A"], stats["A"])

    def above_100hz_db(x):
        spec = np.abs(np.fft.rfft(x[:4000])) ** 2
        return 10 * np.log10(spec[np.fft.rfftfreq(4000, 1 / SR) > 100].sum() + 1e-20)

    scale = np.sqrt(np.mean(out[len(pause):] ** 2) / np.mean(wav[len(pause):] ** 2))  # loudness normalisation
    assert above_100hz_db(out / scale) < above_100hz_db(wav) + 6


def test_identity_generator_scores_as_the_identity_baseline():
    """The evaluation on the fixture (one sentence per direction): every baseline is there, and a pipeline whose
    generator is the identity scores exactly its own identity baseline."""
    stats = _vc.neutral_stats(("SF1", "TM1"))
    out = _vc.evaluate_directions(lambda s, t: (_vc.identity, stats[s], stats[t]), [("SF1", "TM1")], limit=1)
    d = out["by_direction"]["sf1_to_tm1"]
    assert d["mcd_db"] == d["mcd_identity_db"] and d["judge_target_rate"] == d["judge_target_rate_identity"]
    for key in ("mcd_no_conversion_db", "mcd_resynthesis_db", "mcd_world_floor_db", "lf0_rmse", "lf0_corr",
                "real_time_factor", "mcd_gain_over_identity_db", "coding_loss_db"):
        assert np.isfinite(d[key]), key
    assert d["mcd_world_floor_db"] < d["mcd_no_conversion_db"] and d["mcd_resynthesis_db"] < d["mcd_no_conversion_db"]
    assert set(_vc.direction_goals([("SF1", "TM1")])["sf1_to_tm1"]) <= {k.removesuffix("_max") for k in d} | {
        k for k in _vc.direction_goals([("SF1", "TM1")])["sf1_to_tm1"] if k.endswith("_max")}


def test_feature_file_round_trip_and_segments(tmp_path, monkeypatch):
    full = _vc.corpus_features("vcc2016")
    path = _vc.export_features(tmp_path / "f.npz")
    monkeypatch.setenv(_vc.FEATURES_ENV, str(path))
    small = _vc.corpus_features("vcc2016")
    assert list(small.utt) == list(full.utt[full.where("train")]) and small.split.tolist() == ["train"] * len(small.utt)
    groups = {"SF1": small.where("train", "SF1")}
    a = _vc.speaker_stats(small, groups)["SF1"]
    b = _vc.speaker_stats(full, {"SF1": full.where("train", "SF1")})["SF1"]
    assert np.allclose(a["mcep_mean"], b["mcep_mean"], atol=0.01 * np.asarray(b["mcep_std"]).max())
    assert abs(a["lf0"][0] - b["lf0"][0]) < 1e-3
    segs = _vc.Segments(small, {"SF1": a}, groups, frames=64)
    x = segs.batch("SF1", 5, torch.Generator().manual_seed(0))
    assert x.shape == (5, _vc.N_FEATS, 64) and x.is_contiguous()
    assert torch.equal(x, segs.batch("SF1", 5, torch.Generator().manual_seed(0)))


def test_training_without_pyworld_exports_and_comes_back(tmp_path):
    """The GPU-box path: train from a feature file with pyworld, librosa, soundfile and gradio unimportable, export
    float16 weights, then `--init-from EXPORT --steps 0` here writes a loadable checkpoint with those weights."""
    path = _vc.export_features(tmp_path / "f.npz")
    block = tmp_path / "block"
    block.mkdir()
    for name in ("pyworld", "librosa", "soundfile", "gradio"):
        (block / f"{name}.py").write_text(f"raise ImportError('{name} is not on this box')\n")
    common = [sys.executable, str(ROOT / "train" / "train_cyclegan_vc.py"), "--precision", "fp32", "--threads", "1",
              "--runs", str(tmp_path / "runs"), "--checkpoints", str(tmp_path / "ck"), "--g-width", "8",
              "--res-width", "16", "--g-res", "1", "--d-width", "4", "--batch", "2"]
    env = {**os.environ, _vc.FEATURES_ENV: str(path), "PYTHONPATH": str(block)}
    subprocess.run(common + ["--steps", "3", "--no-save", "--export", str(tmp_path / "exp")], env=env, check=True,
                   capture_output=True, timeout=300)
    facts = json.loads((tmp_path / "exp" / "training.json").read_text())
    assert facts["steps"] == 3 and {p.name for p in (tmp_path / "exp").glob("*.pt")} == {"G_xy.pt", "G_yx.pt", "D_x.pt", "D_y.pt"}
    subprocess.run(common + ["--steps", "0", "--init-from", str(tmp_path / "exp")], env=env, check=True,
                   capture_output=True, timeout=300)
    pipe = CycleganVcPipeline.from_pretrained(tmp_path / "ck" / "cyclegan_vc")
    exported = torch.load(tmp_path / "exp" / "G_xy.pt", weights_only=True)
    shipped = pipe.net("sf1_tm1")["G_xy"].state_dict()
    assert all(torch.equal(shipped[k], v.float()) for k, v in exported.items())
    assert pipe.extra["sf1_tm1"]["training"]["steps"] == 3
    # a second stage on the box continues from the first export; the import here keeps both stages' facts
    subprocess.run(common + ["--steps", "2", "--no-save", "--init-from", str(tmp_path / "exp"), "--export",
                             str(tmp_path / "exp2")], env=env, check=True, capture_output=True, timeout=300)
    assert [s["steps"] for s in json.loads((tmp_path / "exp2" / "training.json").read_text())["stages"]] == [3, 2]
    subprocess.run(common + ["--steps", "0", "--init-from", str(tmp_path / "exp2")], env=env, check=True,
                   capture_output=True, timeout=300)
    t = CycleganVcPipeline.from_pretrained(tmp_path / "ck" / "cyclegan_vc").extra["sf1_tm1"]["training"]
    assert (t["steps"], t["continued_from"]["steps"], t["total_steps"]) == (2, 3, 5)
    assert "--export" in t["command"] and "--export" in t["continued_from"]["command"] and "imported_by" in t


@pytest.mark.parametrize("frames", [1, 37, 128])
def test_generator_keeps_any_length(frames):
    g = _vc.Generator(width=8, n_res=1, n_code=4)
    x = torch.randn(2, _vc.N_FEATS, frames)
    assert g(x, torch.eye(4)[:2]).shape == x.shape


def untrained(cls):
    return cls.random_init({v: cls.config_for(v) for v in cls.spec.variants})


@pytest.mark.parametrize("cls,kwargs", [(StarganVcPipeline, {"source": "TM2", "target": "SF2"}),
                                        (CycleganVcPipeline, {"direction": "TM1 → SF1"})])
def test_output_has_the_input_length_for_any_rate_and_channels(cls, kwargs):
    pipe = untrained(cls)
    wav = vowel(1.3, sr=44100)
    stereo = (np.stack([wav, 0.5 * wav], 1) * 32767).astype(np.int16)  # (T, 2) int16 at 44.1 kHz
    (rate, pcm), image, text = pipe.convert((44100, stereo), **kwargs)
    assert rate == SR and pcm.dtype == np.int16 and len(pcm) == round(len(wav) * SR / 44100)
    assert image.dtype == np.uint8 and image.ndim == 3 and isinstance(text, str) and "→" in text
    assert pcm.std() > 0


@pytest.mark.parametrize("bad,match", [
    ((SR, np.zeros(SR, np.float32)), "silent"),
    ((SR, np.tile(vowel(1.0), 31)), "under 30 s"),
    (None, "No audio"),
])
def test_bad_audio_is_refused_with_a_reason(bad, match):
    with pytest.raises(BadInput, match=match):
        untrained(StarganVcPipeline).convert(bad, source="SF1", target="TM1")


def test_unknown_speakers_and_directions_are_refused():
    with pytest.raises(BadInput, match="target speaker must be one of"):
        untrained(StarganVcPipeline).convert((SR, vowel()), source="SF1", target="XX9")
    with pytest.raises(BadInput, match="Direction must be one of"):
        untrained(CycleganVcPipeline).convert((SR, vowel()), direction="SF2 → TM2")


def test_cyclegan_vc_training_sentences_are_disjoint():
    from xmgan.models.cyclegan_vc import SOURCE_UTTS, TARGET_UTTS

    assert SOURCE_UTTS[1] < TARGET_UTTS[0]


def _vc_common():
    sys.path.insert(0, str(ROOT / "train"))
    import vc_common

    return vc_common


def test_instance_noise_is_annealed_and_reproducible():
    import argparse

    vc_common = _vc_common()
    args = argparse.Namespace(d_noise=0.5, d_noise_steps=100)
    x = torch.zeros(8, _vc.N_FEATS, 64)
    first = vc_common.instance_noise(x, 0, args, torch.Generator().manual_seed(3))
    assert abs(first.std().item() - 0.5) < 0.02
    assert torch.equal(first, vc_common.instance_noise(x, 0, args, torch.Generator().manual_seed(3)))  # resumable
    assert abs(vc_common.instance_noise(x, 50, args, torch.Generator().manual_seed(3)).std().item() - 0.25) < 0.01
    assert torch.equal(vc_common.instance_noise(x, 100, args, torch.Generator()), x)               # annealed away
    args.d_noise_steps = 0                                                                          # constant
    assert abs(vc_common.instance_noise(x, 10**6, args, torch.Generator().manual_seed(0)).std().item() - 0.5) < 0.02
    assert torch.equal(vc_common.instance_noise(x, 0, argparse.Namespace(d_noise=0.0, d_noise_steps=0), None), x)


def test_fresh_d_continues_only_the_generators(tmp_path):
    vc_common = _vc_common()
    trained = {"G": _vc.Generator(width=8, n_res=1), "D": _vc.Discriminator(width=4)}
    vc_common.export(tmp_path / "exp", {f"{n}.{k}": v for n, m in trained.items() for k, v in m.state_dict().items()},
                     {"steps": 7})
    torch.manual_seed(1)
    new = {"G": _vc.Generator(width=8, n_res=1), "D": _vc.Discriminator(width=4)}
    before_d = {k: v.clone() for k, v in new["D"].state_dict().items()}
    facts = vc_common.init_from(tmp_path / "exp", "sf1_tm1", new, fresh=("D",))
    assert facts["steps"] == 7
    g_old, g_new = trained["G"].state_dict(), new["G"].state_dict()
    assert all(torch.equal(g_old[k].half().float(), v) for k, v in g_new.items())   # G continues (float16 export)
    assert all(torch.equal(before_d[k], v) for k, v in new["D"].state_dict().items())  # D as it was built
