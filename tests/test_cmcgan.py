"""cmcgan and its audio: the fixed digit window, voice features (WORLD) and their resynthesis, the formant
warp and voice augmentation, the waveform spoken-digit judge, class-level pairing, bad input."""
import numpy as np
import pytest
import torch

import xmgan
from xmgan import audio
from xmgan.data import load_speech
from xmgan.models.cmcgan import (CmcganPipeline, Config, denormalise, fsdd_voice, mismatched, mnist_by_class, normalise,
                                 pairwise_pixel_distance, pitch_shifted, sample_of_class, voice_of_wavs)


@pytest.fixture(scope="module")
def pipe():
    return CmcganPipeline.random_init({"fsdd_mnist": Config()}, seed=0)


def tone(seconds: float, sr: int = 8000, freq: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_fit_length_centres_short_and_keeps_the_loudest_window_of_long():
    short = np.ones(1000, dtype=np.float32)
    out = audio.fit_length(short, 8064)
    assert out.shape == (8064,) and out.sum() == 1000 and out[3532] == 1 and out[3531] == 0
    long = np.zeros(20000, dtype=np.float32)
    long[15000:15500] = 1.0  # a burst near the end must survive the trim
    assert audio.fit_length(long, 8064).sum() == 500


def test_log_mel_has_the_fixed_size_and_range():
    wavs = torch.from_numpy(np.stack([audio.digit_window(tone(s)) for s in (0.2, 0.7, 3.0)]))
    m = audio.log_mel(wavs)
    assert m.shape == (3, audio.MEL_BANDS, audio.MEL_FRAMES)
    assert m.min() >= -1 and m.max() <= 1 and m.max() > 0.5  # a loud tone reaches the top of the range
    # the 0.2 s tone is centred: silence (the floor) on both sides
    assert (m[0, :, :10] == -1).all() and (m[0, :, -10:] == -1).all() and (m[0, :, 28:36] > -1).any()


def test_griffin_lim_resynthesis_keeps_the_spectrogram_and_is_seeded():
    s = load_speech("fsdd")
    wavs = torch.from_numpy(np.stack([audio.digit_window(s.wavs[i]) for i in range(4)]))
    m = audio.log_mel(wavs)
    w1, w2, w3 = audio.mel_to_wav(m, seed=0), audio.mel_to_wav(m, seed=0), audio.mel_to_wav(m, seed=1)
    assert w1.shape == (4, audio.MEL_SAMPLES) and torch.equal(w1, w2) and not torch.equal(w1, w3)
    again = audio.log_mel(w1)
    assert (again - m).abs().mean() < 0.1  # the magnitude survives; only phase is made up
    assert (again - m.roll(1, 0)).abs().mean() > 2 * (again - m).abs().mean()  # and it is this utterance's


def test_class_level_pairs_are_matched_or_mismatched():
    x, y, start, count = mnist_by_class("test")
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(10).repeat(5)
    assert torch.equal(y[sample_of_class(labels, start, count, g)], labels)
    other = mismatched(labels, g)
    assert (other != labels).all() and other.min() >= 0 and other.max() <= 9
    assert len(set(other.tolist())) > 5


def test_see_and_hear_shapes(pipe):
    gallery, plot = pipe.see((8000, tone(0.6)), seed=3, count=5)
    assert len(gallery) == 5 and gallery[0][0].shape == (28, 28) and "%" in gallery[0][1]
    assert plot.ndim == 3 and plot.dtype == np.uint8
    (sr, pcm), fig = pipe.hear("examples/mnist/7.png", seed=2)
    assert sr == 8000 and pcm.dtype == np.int16 and pcm.shape == (audio.MEL_SAMPLES,)
    assert fig.ndim == 3 and fig.dtype == np.uint8


def test_several_z_give_several_images(pipe):
    gallery, _ = pipe.see("examples/fsdd/3.wav", seed=0, count=4)
    images = np.stack([im for im, _ in gallery]).astype(int)
    assert np.abs(images[0] - images[1]).sum() > 0


@pytest.mark.parametrize("value,message", [
    ((8000, np.zeros(8000, dtype=np.int16)), "silent"),
    ((8000, (tone(0.1) * 32767).astype(np.int16)), "at least 0.3 s"),
    ((16000, (tone(6.0, 16000) * 32767).astype(np.int16)), "under 5 s"),
    (None, "No audio"),
])
def test_bad_audio_gets_a_clear_message(pipe, value, message):
    with pytest.raises(xmgan.BadInput, match=message):
        pipe.see(value, seed=0, count=2)


def test_any_rate_and_channels_give_the_same_features(pipe):
    wav = tone(0.5, 8000, 300.0)
    stereo_48k = np.stack([audio.resample(wav, 8000, 48000)] * 2, 1)
    a = pipe.sound_of((8000, wav))
    b = pipe.sound_of((48000, (stereo_48k * 32767).astype(np.int16)))
    assert a.shape == b.shape == (1, 1, audio.VOICE_ROWS, audio.VOICE_FRAMES)
    assert (a - b).abs().mean() < 0.05


def test_shipped_spoken_judge_hears_the_fixture_test_digits():
    from xmgan.judges.spoken import fsdd_mels, hear, load_spoken_judge

    x, y, _ = fsdd_mels("test")
    acc = (hear(load_spoken_judge(), x).argmax(-1) == y).float().mean()
    assert acc >= 0.9, acc


@pytest.mark.parametrize("stem", ["mlp", "conv"])
def test_both_critic_stems_train_every_network(stem):
    c = Config(critic_stem=stem)
    nets = CmcganPipeline.build(c)
    CmcganPipeline.smoke_loss(nets, c).backward()
    for name in ("D", "C"):
        assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in nets[name].parameters()), name


def test_voice_features_resynthesise_speech_the_waveform_judge_understands():
    """Real FSDD test takes (the fixture): WORLD features -> synthesis must still say the digit to the waveform
    judge (its own front end), and analysing the resynthesis gives back nearly the same features."""
    from xmgan.judges.wave import get_wave_judge

    raw, y, _, wavs = fsdd_voice("test")
    assert raw.shape[1:] == (audio.VOICE_ROWS, audio.VOICE_FRAMES)
    judge = get_wave_judge("spoken_wave_judge")
    resynth = [audio.voice_to_wav(f) for f in raw[:20]]
    assert (judge.predict(resynth, 8000) == y[:20]).mean() >= 0.85
    assert (judge.predict(wavs[:20], 8000) == y[:20]).mean() >= 0.9
    again = np.stack([audio.voice_features(w) for w in resynth[:4]])
    voiced = raw[:4, audio.VOICE_MCEP + 1] > 0
    assert np.abs(again[:, 1:audio.VOICE_MCEP] - raw[:4, 1:audio.VOICE_MCEP]).mean() < 0.15   # envelope shape
    assert (again[:, audio.VOICE_MCEP + 1] > 0)[voiced].mean() > 0.8                          # still voiced
    assert np.abs(again[:, audio.VOICE_MCEP] - raw[:4, audio.VOICE_MCEP])[voiced].mean() < 0.05  # same pitch


def test_voice_features_are_repeatable():
    """The same recording gives the same features in every call (WORLD's D4C voicing test was not)."""
    s = load_speech("fsdd")
    windows = [audio.digit_window(s.wavs[i]) for i in s.where(split="test")]
    a = np.stack([audio.voice_features(w) for w in windows])
    b = np.stack([audio.voice_features(w) for w in windows])
    assert np.array_equal(a, b)


def test_voiced_frames_are_periodic():
    """D4C at 8 kHz calls everything aperiodic with its default threshold (a whisper); voiced frames of a
    harmonic tone must come out periodic in the low band."""
    t = np.arange(int(0.6 * 8000)) / 8000
    vowel = sum(np.sin(2 * np.pi * 120 * k * t) / k for k in range(1, 20)).astype(np.float32) * 0.1
    f = audio.voice_features(audio.digit_window(vowel))
    voiced = f[audio.VOICE_MCEP + 1] > 0
    assert voiced.sum() > 20
    assert ((f[audio.VOICE_MCEP + 2][voiced] + 1) / 2).mean() < 0.3   # low-band aperiodicity in [0, 1]
    f0 = np.exp((f[audio.VOICE_MCEP][voiced] + 1) / 2 * np.log(500 / 60) + np.log(60))
    assert abs(np.median(f0) - 120) < 6


def test_formant_warp_moves_a_peak_by_the_ratio_and_one_is_identity():
    n = audio.VOICE_FFT // 2 + 1
    bins = np.arange(n)
    logsp = 3 * np.exp(-0.5 * ((bins - 60) / 6) ** 2)
    enc, dec = audio._mcep_matrices(audio.VOICE_MCEP - 1, audio.VOICE_ALPHA, n)
    mc = logsp @ enc
    assert abs(int(np.argmax(mc @ audio.voice_warp_matrix(1.5) @ dec)) - 90) <= 2
    assert abs(int(np.argmax(mc @ audio.voice_warp_matrix(0.8) @ dec)) - 48) <= 2
    assert np.allclose(mc @ audio.voice_warp_matrix(1.0), mc, atol=0.05 * np.abs(mc).max())


def test_normalise_round_trip_and_range():
    raw, _, _, _ = fsdd_voice("test")
    c = Config(mcep_mean=raw[:, :audio.VOICE_MCEP].mean((0, 2)).tolist(),
               mcep_std=raw[:, :audio.VOICE_MCEP].std((0, 2)).tolist())
    x = normalise(raw[:6], c)
    assert x.shape == (6, 1, audio.VOICE_ROWS, audio.VOICE_FRAMES) and x.abs().max() <= 1
    back = denormalise(x, c)
    inside = (x[:, 0].abs() < 0.999).numpy()
    assert np.allclose(back[inside], raw[:6][inside], atol=1e-4)


def test_voice_augment_moves_pitch_and_keeps_range():
    import sys

    sys.path.insert(0, str(__import__("conftest").ROOT / "train"))
    from train_cmcgan import LF0_PER_SEMITONE, VoiceAugment

    raw, _, _, _ = fsdd_voice("test")
    c = Config(mcep_mean=raw[:, :audio.VOICE_MCEP].mean((0, 2)).tolist(),
               mcep_std=raw[:, :audio.VOICE_MCEP].std((0, 2)).tolist())
    x = normalise(raw[:8], c)
    only_pitch = VoiceAugment(c, torch.device("cpu"), pitch=(5.0, 5.0), formant=(0.0, 0.0), tempo=(1.0, 1.0),
                              shift=0, noise=0.0)
    y = only_pitch(x, torch.Generator().manual_seed(0))
    row = audio.VOICE_MCEP
    free = (x[:, 0, row] < 0.5)                           # not pushed into the top of the range
    assert torch.allclose((y - x)[:, 0, row][free], torch.tensor(5 * LF0_PER_SEMITONE), atol=1e-4)
    assert (y[:, 0, :row] - x[:, 0, :row]).abs().mean() < 2e-3      # formants (nearly) untouched at 0 semitones
    full = VoiceAugment(c, torch.device("cpu"))(x, torch.Generator().manual_seed(1))
    assert full.shape == x.shape and full.abs().max() <= 1 and (full - x).abs().mean() > 0.02
    quiet = VoiceAugment(c, torch.device("cpu"), noise=0.0)(x, torch.Generator().manual_seed(1))
    assert set(quiet[:, 0, row + 1].unique().tolist()) <= {-1.0, 1.0}   # voicing stays binary (before the noise)


def test_pitch_shift_moves_f0_with_the_formants():
    t = np.arange(8000) / 8000
    tone_ = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    up, = pitch_shifted([tone_], 7)
    spectrum = np.abs(np.fft.rfft(up * np.hanning(len(up))))
    assert abs(np.argmax(spectrum) * 8000 / len(up) - 150 * 2 ** (7 / 12)) < 5


def test_pairwise_pixel_distance():
    same = np.zeros((8, 28, 28), np.float32)
    assert pairwise_pixel_distance(same) == 0
    mixed = np.stack([np.full((28, 28), -1.0), np.full((28, 28), 1.0)])
    assert pairwise_pixel_distance(mixed) == 1.0


def test_shipped_waveform_spoken_digit_judge_hears_the_fixture_test_digits():
    from xmgan.data import load_speech
    from xmgan.judges.wave import WaveJudge

    judge = WaveJudge("spoken_wave_judge")
    s = load_speech("fsdd")
    idx = s.where("test")
    assert judge.labels == [str(d) for d in range(10)]
    assert (judge.predict([s.wavs[i] for i in idx], s.sr) == s.extra["digit"][idx]).mean() >= 0.9


def test_speed_perturbation_moves_pitch_and_shortens_the_sound():
    """Speed perturbation (train_cmcgan --speed): +4 semitones plays the recording 2^(4/12) times faster, so it
    is that much shorter and WORLD hears its F0 that much higher."""
    import sys

    sys.path.insert(0, str(__import__("conftest").ROOT / "train"))
    from train_cmcgan import speed_perturbed

    _, _, _, wavs = fsdd_voice("test")
    fast = speed_perturbed(wavs[:3], 4.0)
    ratio = 2 ** (4 / 12)
    assert all(abs(len(w) / len(f) - ratio) < 0.01 and f.dtype == np.float32 for w, f in zip(wavs, fast))
    raw, fast_raw = voice_of_wavs(wavs[:3]), voice_of_wavs(fast)
    lf0 = audio.VOICE_MCEP                                  # the log-F0 row, mapped to [-1, 1] over the F0 range
    voiced = (raw[:, lf0 + 1] > 0).any(1) & (fast_raw[:, lf0 + 1] > 0).any(1)
    assert voiced.all()
    up = [np.median(fr[lf0][fr[lf0 + 1] > 0]) - np.median(r[lf0][r[lf0 + 1] > 0]) for r, fr in zip(raw, fast_raw)]
    semitone = 2 * np.log(2) / 12 / np.log(audio.VOICE_F0_RANGE[1] / audio.VOICE_F0_RANGE[0])
    assert all(2.5 * semitone < u < 5.5 * semitone for u in up), np.array(up) / semitone
