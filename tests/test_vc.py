"""Voice conversion: WORLD feature coding, the F0 transform, MCD, the VC networks and pipelines' input checks."""
import numpy as np
import pytest
import torch

from xmgan import audio
from xmgan.errors import BadInput
from xmgan.evaluate import MCD_K, mcd
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
    a = rng.normal(size=(50, 25))
    b = a.copy()
    b[:, 3] += 0.5
    b[:, 0] += 10.0  # c0 (energy) is left out
    assert mcd(a, b, (np.arange(50), np.arange(50))) == pytest.approx(MCD_K * 0.5)
    stretched = np.repeat(a, 2, axis=0)  # the same sequence, twice as slow: DTW aligns it perfectly
    assert mcd(a, stretched) == pytest.approx(0.0, abs=1e-9)
    assert mcd(a, b) > 0


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
