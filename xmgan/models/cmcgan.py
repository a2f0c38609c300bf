"""`cmcgan`: cross-modal generation between spoken digits (FSDD) and handwritten digits (MNIST).

Hao, Zhang and Guan, "Cross-Modal Cycle Generative Adversarial Networks" (CMCGAN, 2017, arXiv 1711.08102).
A pair is "matched" when the utterance and the image show the same digit (class-level pairing: FSDD and
MNIST share no examples).

Implemented as in the paper:
- Two encoders, E_a (log-mel) and E_i (image), into one feature space F; each decoder takes F joined
  with a latent vector z (`z_dim`), so one input maps to many outputs and both modalities meet in one space.
- Shared decoders: G_i serves image reconstruction (E_i -> G_i) and audio -> image (E_a -> G_i); G_a serves
  audio reconstruction and image -> audio. The four sub-networks form two cycles, a -> i -> a and
  i -> a -> i (a generated image is encoded again by E_i and decoded by G_a, and vice versa).
- A joint discriminator D(image, audio) that tells real matched pairs from real mismatched pairs and from
  pairs with one generated member: realness and pairing in one binary loss.
- Consistency losses in the joint objective: L1 reconstruction (a -> a, i -> i), L1 cycle
  reconstruction (a -> i -> a, i -> a -> i) and an L1 loss between the intermediate encodings
  (E_i(G_i(E_a(a), z)) vs E_a(a), and the mirror).
- A multimodal classifier C (one head over a stem per modality) that predicts the digit from either
  modality; it is trained on real data, and its cross-entropy on generated outputs (target: the input's
  digit) is part of the generators' loss, which pushes generated pairs to be matched.

Different from, or beyond, the paper:
- Data and sizes: FSDD speech (not Sub-URMP music) as a 32-band x 64-frame log-mel (`xmgan.audio`:
  silence trimmed, centred in 1.008 s, zero-padded or the loudest 1.008 s kept) and 28x28 MNIST;
  small conv encoders/decoders and discriminator/classifier stems (conv or MLP, `critic_stem`) without
  normalisation layers, sized for training on one CPU core in under an hour (the paper's nets are
  much larger).
- The generated spectrogram is turned back into sound with Griffin-Lim (torchaudio), which the paper
  never did, and evaluation listens to that waveform with a separate spoken-digit judge
  (`xmgan.models._spoken`).
- A mode-seeking term (Mao et al. 2019: two z for one input should give different outputs) keeps the
  latent vector in use in the cross-modal paths, so the app's several outputs differ.
- The classifier's role is a loss on generated outputs and a pairing score (same predicted digit); the
  paper's exact classifier wiring and loss weights were not reproduced.

Evaluation (`python -m xmgan.evaluate cmcgan`), held-out data only: every FSDD test utterance (takes 0-4)
-> image -> MNIST judge; MNIST test images -> spectrogram -> Griffin-Lim -> spoken-digit judge; pairing
accuracy of D and C on matched/mismatched real test pairs; retrieval of 1,000 MNIST test images per test
utterance (top-1 class precision).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import audio as au
from .. import plots
from ..data import load_images, to_float, to_uint8
from ..images import digit_like_mnist
from ..judges import get_judges, predict, real_features
from ..metrics import accuracy_report, class_coverage, fd_block
from ..pipeline import Pipeline, seeded_normal
from ..registry import Action, ModelSpec, register
from ._spoken import fsdd_mels, hear, load_spoken_judge, mels_of

log = logging.getLogger(__name__)
MAX_SECONDS = 5.0


@dataclass
class Config:
    dataset: str = "mnist"   # the image domain: picks the judge that captions generated images
    speech: str = "fsdd"
    n_mels: int = au.MEL_BANDS
    frames: int = au.MEL_FRAMES
    image_size: int = 28
    feat_dim: int = 64       # the shared feature space F
    z_dim: int = 16
    width: int = 16          # conv channels of the encoders and decoders (w, 2w, 4w)
    hidden: int = 256        # width of the discriminator's and classifier's stems' outputs and heads
    critic_stem: str = "mlp"  # D's and C's per-modality stems: "mlp" or "conv" (the encoders' architecture)


def _act() -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True)


class ImageStem(nn.Module):
    """(B, 1, 28, 28) -> (B, out)."""

    def __init__(self, w: int, out: int):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), _act(),            # 14x14
                                 nn.Conv2d(w, 2 * w, 4, 2, 1), _act(),        # 7x7
                                 nn.Flatten(), nn.Linear(2 * w * 49, out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class AudioStem(nn.Module):
    """(B, 1, n_mels, frames) log-mel -> (B, out)."""

    def __init__(self, w: int, out: int, c: Config):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), _act(),            # 16x32
                                 nn.Conv2d(w, 2 * w, 4, 2, 1), _act(),        # 8x16
                                 nn.Conv2d(2 * w, 4 * w, 4, 2, 1), _act(),    # 4x8
                                 nn.Flatten(), nn.Linear(4 * w * (c.n_mels // 8) * (c.frames // 8), out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MLPStem(nn.Module):
    """Any (B, ...) input with `d_in` values -> (B, out): the discriminator's and classifier's stems."""

    def __init__(self, d_in: int, hidden: int, out: int):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(d_in, hidden), _act(), nn.Linear(hidden, out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ImageDecoder(nn.Module):
    """G_i: (F (B, feat_dim), z (B, z_dim)) -> image (B, 1, 28, 28) in [-1, 1]."""

    def __init__(self, c: Config):
        super().__init__()
        self.w = c.width
        self.fc = nn.Sequential(nn.Linear(c.feat_dim + c.z_dim, 2 * c.width * 49), nn.ReLU(True))
        self.up = nn.Sequential(nn.ConvTranspose2d(2 * c.width, c.width, 4, 2, 1), nn.ReLU(True),   # 14x14
                                nn.ConvTranspose2d(c.width, 1, 4, 2, 1), nn.Tanh())                # 28x28

    def forward(self, f: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.up(self.fc(torch.cat([f, z], 1)).view(len(f), 2 * self.w, 7, 7))


class AudioDecoder(nn.Module):
    """G_a: (F (B, feat_dim), z (B, z_dim)) -> log-mel (B, 1, n_mels, frames) in [-1, 1]."""

    def __init__(self, c: Config):
        super().__init__()
        self.w, self.hw = c.width, (c.n_mels // 8, c.frames // 8)
        self.fc = nn.Sequential(nn.Linear(c.feat_dim + c.z_dim, 4 * c.width * self.hw[0] * self.hw[1]), nn.ReLU(True))
        w = c.width
        self.up = nn.Sequential(nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), nn.ReLU(True),   # 8x16
                                nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.ReLU(True),       # 16x32
                                nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())               # 32x64

    def forward(self, f: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.up(self.fc(torch.cat([f, z], 1)).view(len(f), 4 * self.w, *self.hw))


def critic_stems(c: Config) -> tuple[nn.Module, nn.Module]:
    """(image stem, audio stem) of D or C, each ending in `hidden` features."""
    if c.critic_stem == "conv":
        return ImageStem(c.width, c.hidden), AudioStem(c.width, c.hidden, c)
    return MLPStem(c.image_size ** 2, c.hidden, c.hidden), MLPStem(c.n_mels * c.frames, c.hidden, c.hidden)


class PairDiscriminator(nn.Module):
    """D: (image (B, 1, 28, 28), log-mel (B, 1, n_mels, frames)) -> logit (B,) of "real and matched".

    `score_matrix` scores every image against every utterance from the stems' outputs (retrieval)."""

    def __init__(self, c: Config):
        super().__init__()
        self.img, self.aud = critic_stems(c)
        self.head = nn.Sequential(_act(), nn.Linear(2 * c.hidden, c.hidden), _act(), nn.Linear(c.hidden, 1))

    def forward(self, image: torch.Tensor, mel: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.img(image), self.aud(mel)], 1)).squeeze(1)

    def score_matrix(self, images: torch.Tensor, mels: torch.Tensor) -> torch.Tensor:
        """(N_a, N_i) logits for every (utterance, image) pair."""
        hi, ha = self.img(images), self.aud(mels)  # (N_i, h), (N_a, h)
        rows = [self.head(torch.cat([hi, a.expand(len(hi), -1)], 1)).squeeze(1) for a in ha]
        return torch.stack(rows)


class MultimodalClassifier(nn.Module):
    """C: the digit (10 logits) from an image, a log-mel, or both (mean of the two modalities' logits)."""

    def __init__(self, c: Config):
        super().__init__()
        self.img, self.aud = critic_stems(c)
        self.head = nn.Sequential(_act(), nn.Dropout(0.2), nn.Linear(c.hidden, 10))  # shared by both modalities

    def forward(self, image: torch.Tensor | None = None, mel: torch.Tensor | None = None) -> torch.Tensor:
        logits = [self.head(stem(x)) for stem, x in ((self.img, image), (self.aud, mel)) if x is not None]
        return torch.stack(logits).mean(0)


SPEC = ModelSpec(
    id="cmcgan",
    tab="CMCGAN",
    title="CMCGAN — spoken digits <-> handwritten digits",
    paper="Hao, Zhang and Guan, Cross-Modal Cycle Generative Adversarial Networks, 2017",
    paper_url="https://arxiv.org/abs/1711.08102",
    task="audio<->image",
    variants=("fsdd_mnist",),
    variant_label="Pair",
    actions=(Action("see", "Sound → image", ("audio", "seed", "count"), ("gallery", "image"),
                    ("Digits drawn from your sound, one per latent draw, with the MNIST judge's reading",
                     "Your sound as the model hears it: log-mel spectrogram, with the spoken-digit judge")),
             Action("hear", "Image → sound", ("image", "seed"), ("audio", "image"),
                    ("The digit spoken (generated log-mel → Griffin-Lim)",
                     "Your drawing as the model sees it, and the generated spectrogram"))),
    examples=("examples/mnist/7.png", "examples/mnist/3.png", "examples/mnist/0.png", "examples/mnist/4.png"),
    audio_examples=tuple(f"examples/fsdd/{d}.wav" for d in range(10)),
    description="Say a digit (0-9, in English, within 5 s) or pick an FSDD test recording: the model draws "
                "it by hand, once per latent draw. Draw a digit: the model says it — a generated log-mel "
                "spectrogram turned into sound with Griffin-Lim. The MNIST judge captions each image; the "
                "spoken-digit judge says which digit it hears.",
)


@register(SPEC)
class CmcganPipeline(Pipeline):
    Config = Config
    goals = {"fsdd_mnist": {"sound_to_image_accuracy": 0.90, "image_to_sound_accuracy": 0.85}}

    @classmethod
    def config_for(cls, variant: str) -> Config:
        return Config()

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        w = config.width
        return nn.ModuleDict({"E_a": AudioStem(w, config.feat_dim, config), "E_i": ImageStem(w, config.feat_dim),
                              "G_a": AudioDecoder(config), "G_i": ImageDecoder(config),
                              "D": PairDiscriminator(config), "C": MultimodalClassifier(config)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        b, c = 3, config
        a, i = torch.randn(b, 1, c.n_mels, c.frames), torch.randn(b, 1, c.image_size, c.image_size)
        fa, fi = nets["E_a"](a), nets["E_i"](i)
        assert fa.shape == fi.shape == (b, c.feat_dim)
        z = torch.randn(b, c.z_dim)
        i_gen, a_gen = nets["G_i"](fa, z), nets["G_a"](fi, z)
        assert i_gen.shape == i.shape and a_gen.shape == a.shape
        d = nets["D"](i_gen, a_gen)
        assert d.shape == (b,) and nets["D"].score_matrix(i, a).shape == (b, b)
        logits = nets["C"](i_gen, a_gen)
        assert logits.shape == (b, 10)
        return d.mean() + logits.mean() + i_gen.mean() + a_gen.mean()

    # -- the two directions -----------------------------------------------------------------------------
    def mel_of(self, value) -> torch.Tensor:
        """Any user audio -> (1, 1, n_mels, frames) log-mel (BadInput for silence, > 5 s, unreadable)."""
        wav = au.read_audio(value, sr=au.MEL_SR, max_seconds=MAX_SECONDS)
        return au.log_mel(torch.from_numpy(au.digit_window(wav))[None])[:, None]

    @torch.inference_mode()
    def images_from_mels(self, mels: torch.Tensor, z: torch.Tensor, variant: str | None = None) -> torch.Tensor:
        """(N, 1, n_mels, frames) log-mels, (N, z_dim) -> (N, 1, 28, 28) images in [-1, 1]."""
        nets = self.net(variant)
        return nets["G_i"](nets["E_a"](mels.float()), z)

    @torch.inference_mode()
    def mels_from_images(self, images: torch.Tensor, z: torch.Tensor, variant: str | None = None) -> torch.Tensor:
        """(N, 1, 28, 28) images in [-1, 1], (N, z_dim) -> (N, 1, n_mels, frames) log-mels in [-1, 1]."""
        nets = self.net(variant)
        return nets["G_a"](nets["E_i"](images.float()), z)

    def see(self, audio, seed: int = 0, count: int = 8,
            variant: str | None = None) -> tuple[list[tuple[np.ndarray, str]], np.ndarray]:
        """A spoken digit -> (gallery: `count` handwritten digits, one per z, with the MNIST judge's verdict;
        the input's log-mel with the spoken-digit judge's verdict)."""
        count, c = self.check_count(count), self.config(variant)
        z = seeded_normal((count, c.z_dim), seed)
        mel = self.mel_of(audio)
        images = to_uint8(self.images_from_mels(mel.expand(count, -1, -1, -1), z, variant).numpy())
        p = hear(load_spoken_judge(), mel)[0]
        plot = plots.mel_image(mel[:, 0].numpy(), [f"your sound — heard as {int(p.argmax())} · {float(p.max()):.0%}"],
                               au.MEL_SAMPLES / au.MEL_SR, width_in=4.0)
        return self.captioned(images, variant), plot

    def hear(self, image, seed: int = 0, variant: str | None = None) -> tuple[tuple[int, np.ndarray], np.ndarray]:
        """A drawn digit -> (the generated utterance (8 kHz, int16); a figure: the input as the model sees it
        with the MNIST judge's verdict, and the generated log-mel with the spoken-digit judge's verdict
        on the Griffin-Lim waveform)."""
        c = self.config(variant)
        x = torch.from_numpy(digit_like_mnist(image, c.image_size))[None]  # (1, 1, 28, 28)
        mel = self.mels_from_images(x, seeded_normal((1, c.z_dim), seed), variant)
        wav = au.mel_to_wav(mel[:, 0], seed=int(seed))[0].numpy()
        wav = au.normalise_loudness(wav)
        p = hear(load_spoken_judge(), mels_of([wav]))[0]
        (drawn, conf), = get_judges().verdicts(c.dataset, x)
        figure = plots.digit_and_mel(to_uint8(x.numpy())[0], mel[0, 0].numpy(), au.MEL_SAMPLES / au.MEL_SR,
                                     f"input — judge reads {drawn} · {conf:.0%}",
                                     f"generated — heard as {int(p.argmax())} · {float(p.max()):.0%}")
        return au.to_pcm(wav, au.MEL_SR), figure

    # -- evaluation ----------------------------------------------------------------------------------------
    def evaluate(self, variant: str, n_images: int | None = None) -> dict:
        return evaluate(self, variant, n_images)


def mnist_by_class(split: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """MNIST sorted by class: (x (N, 1, 28, 28) in [-1, 1], y (N,), start (10,), count (10,)) so that a
    random image of class k is x[start[k] + randint(count[k])]."""
    s = load_images("mnist", split)
    order = np.argsort(s.y, kind="stable")
    y = torch.from_numpy(s.y[order].astype(np.int64))
    count = torch.bincount(y, minlength=10)
    start = torch.cumsum(count, 0) - count
    return torch.from_numpy(to_float(s.x[order])), y, start, count


def sample_of_class(labels: torch.Tensor, start: torch.Tensor, count: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Indices of one random image per label (into a `mnist_by_class` array)."""
    u = torch.rand(len(labels), generator=g)
    return start[labels] + (u * count[labels]).long().clamp(max=count[labels] - 1)


def mismatched(labels: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Another digit for each label (uniform over the other nine)."""
    return (labels + torch.randint(1, 10, labels.shape, generator=g)) % 10



def evaluate(pipe: CmcganPipeline, variant: str, n_images: int | None = None) -> dict:
    """Held-out metrics of one variant: both directions through the judges, pairing and retrieval."""
    from tqdm import tqdm


    c, nets = pipe.config(variant), pipe.net(variant)
    spoken, judge = load_spoken_judge(), get_judges()[c.dataset]

    # Sound -> image: every FSDD test utterance (takes 0-4), one z each, read by the MNIST judge.
    xa, ya, _ = fsdd_mels("test")
    images = pipe.images_from_mels(xa, seeded_normal((len(xa), c.z_dim), 0), variant)
    pred, feats = predict(judge, images)
    s2i = accuracy_report(pred, ya.numpy(), range(10))
    fd = fd_block(feats, *real_features(judge, c.dataset))
    # Several z for one utterance: how often the judge's reading changes, and the mean pixel spread.
    zs = seeded_normal((8, len(xa), c.z_dim), 1)
    many = torch.stack([pipe.images_from_mels(xa, z, variant) for z in zs])  # (8, N, 1, 28, 28)
    many_pred = np.stack([predict(judge, m)[0] for m in many])
    s2i_many = float((many_pred == ya.numpy()[None]).mean())

    # Image -> sound: MNIST test images -> log-mel -> Griffin-Lim waveform -> re-analysed -> spoken-digit judge.
    test = load_images("mnist", "test")
    n = min(n_images or len(test), len(test))
    xi, yi = torch.from_numpy(to_float(test.x[:n])), test.y[:n]
    direct, heard = [], []
    for k in tqdm(range(0, n, 250), desc="image -> sound", mininterval=10):
        mels = pipe.mels_from_images(xi[k:k + 250], seeded_normal((len(xi[k:k + 250]), c.z_dim), k), variant)
        direct.append(hear(spoken, mels).argmax(-1).numpy())
        wavs = au.mel_to_wav(mels[:, 0], seed=k).numpy()
        heard.append(hear(spoken, mels_of(list(wavs))).argmax(-1).numpy())
    i2s = accuracy_report(np.concatenate(heard), yi, range(10))

    # Pairing on real test data: each test utterance with one matched and one mismatched MNIST test image.
    xt, yt, start, count = mnist_by_class("test")
    g = torch.Generator().manual_seed(0)
    match = xt[sample_of_class(ya, start, count, g)]
    wrong_label = mismatched(ya, g)
    wrong = xt[sample_of_class(wrong_label, start, count, g)]
    with torch.inference_mode():
        d_pos, d_neg = nets["D"](match, xa), nets["D"](wrong, xa)
        pa = nets["C"](mel=xa).argmax(-1)
        pm, pw = nets["C"](image=match).argmax(-1), nets["C"](image=wrong).argmax(-1)
        c_img_acc = float((nets["C"](image=xt[::10]).argmax(-1) == yt[::10]).float().mean())
        # Retrieval: each test utterance ranks the first 1,000 MNIST test images.
        gallery, gallery_y = xi[:1000] if n >= 1000 else torch.from_numpy(to_float(test.x[:1000])), torch.from_numpy(test.y[:1000].astype(np.int64))
        by_d = nets["D"].score_matrix(gallery, xa)  # (N_a, 1000)
        by_c = nets["C"](mel=xa).softmax(-1) @ nets["C"](image=gallery).softmax(-1).T
        by_f = F.normalize(nets["E_a"](xa), dim=1) @ F.normalize(nets["E_i"](gallery), dim=1).T
    top1 = {name: round(float((gallery_y[s.argmax(1)] == ya).float().mean()), 4)
            for name, s in (("D", by_d), ("C", by_c), ("F", by_f))}
    return {
        "sound_to_image_accuracy": s2i["accuracy"], "sound_to_image_per_class": s2i["per_class_accuracy"],
        "sound_to_image_accuracy_8z": round(s2i_many, 4),
        "sound_to_image_same_reading_8z": round(float((many_pred == many_pred[0]).all(0).mean()), 4),
        "sound_to_image_pixel_spread_8z": round(float(many.std(0).mean()), 4),
        **{f"sound_to_image_{k}": v for k, v in fd.items()},
        **{f"sound_to_image_{k}": v for k, v in class_coverage(pred, 10).items() if k != "class_histogram"},
        "image_to_sound_accuracy": i2s["accuracy"], "image_to_sound_per_class": i2s["per_class_accuracy"],
        "image_to_sound_accuracy_before_griffin_lim": round(float((np.concatenate(direct) == yi).mean()), 4),
        "pairing_accuracy_D": round(float(((d_pos > 0).float().mean() + (d_neg <= 0).float().mean()) / 2), 4),
        "pairing_accuracy_C": round(float(((pa == pm).float().mean() + (pa != pw).float().mean()) / 2), 4),
        "classifier_accuracy_speech": round(float((pa == ya).float().mean()), 4),
        "classifier_accuracy_images": round(c_img_acc, 4),
        "retrieval_top1_precision": top1["D"],
        "retrieval_top1_precision_C": top1["C"], "retrieval_top1_precision_F": top1["F"],
        "n_test_utterances": int(len(xa)), "n_test_images": int(n), "n_retrieval_gallery": int(len(gallery)),
    }
