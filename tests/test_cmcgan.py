"""cmcgan and its audio front end: fixed-size log-mel, Griffin-Lim, class-level pairing, bad input."""
import numpy as np
import pytest
import torch

import xmgan
from xmgan import audio
from xmgan.data import load_speech
from xmgan.models.cmcgan import CmcganPipeline, Config, mismatched, mnist_by_class, sample_of_class


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
    ((16000, (tone(6.0, 16000) * 32767).astype(np.int16)), "under 5 s"),
    (None, "No audio"),
])
def test_bad_audio_gets_a_clear_message(pipe, value, message):
    with pytest.raises(xmgan.BadInput, match=message):
        pipe.see(value, seed=0, count=2)


def test_any_rate_and_channels_give_the_same_features(pipe):
    wav = tone(0.5, 8000, 300.0)
    stereo_48k = np.stack([audio.resample(wav, 8000, 48000)] * 2, 1)
    a = pipe.mel_of((8000, wav))
    b = pipe.mel_of((48000, (stereo_48k * 32767).astype(np.int16)))
    assert a.shape == b.shape == (1, 1, audio.MEL_BANDS, audio.MEL_FRAMES)
    assert (a - b).abs().mean() < 0.05


def test_shipped_spoken_judge_hears_the_fixture_test_digits():
    from xmgan.models._spoken import fsdd_mels, hear, load_spoken_judge

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
