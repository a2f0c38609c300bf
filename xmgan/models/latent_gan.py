"""`latent_gan`: cross-domain image generation by adversarial mapping between two VAE latent spaces.

Lu, "Cross Domain Image Generation through Latent Space Exploration with Adversarial Loss" (2018,
arXiv 1805.10130). Two unconditional VAEs, one per domain, are trained first and frozen; then latent
mappers G1: (z1, eps) -> z2 and G2: (z2, eps) -> z1 are trained against discriminators D1, D2 that judge
latent *pairs*. A domain-1 image is translated by encoding it (z1 = posterior mean), mapping it with G1
for a few noise draws eps, and decoding each z2 with domain 2's decoder.

Implemented from the paper's abstract and the project's description of the method (the full text was not
available to us, so details below that the paper may set differently are our choices):
- Stage 1: per domain, a conv VAE (28x28 grey, latent `latent_dim`) trained on lambda1 * (negative ELBO:
  Bernoulli cross-entropy on pixels in [0, 1] + KL) + lambda2 * a pixel L2 reconstruction term.
- Stage 2 (VAEs frozen): D1 sees real pairs (z1, z2) -- z1 a posterior sample of a domain-1 image of
  class c, z2 one of a domain-2 image of the corresponding class -- against generated pairs (z1, G1(z1,
  eps)) and noise pairs (z1, eps) as extra negatives. G1's loss is the non-saturating GAN loss plus a
  small regulariser |G1(z1, eps) - eps|^2 that keeps its output near eps (and so dependent on the noise).
  D2, G2 mirror this from domain 2 to domain 1. Correspondence is at class level only: no paired images.
- Our additions: mismatched real pairs (z1 of class c with z2 of another class) as a third kind of
  negative for D (Reed et al. 2016's matching-aware discriminator, to learn the class correspondence in
  fewer CPU minutes; `--mismatch-weight 0` in train/train_latent_gan.py turns it off), and the shipped
  G1, G2 are exponential moving averages of the trained ones; and (issue 17) a semantic-consistency loss
  (CyCADA): a frozen digit teacher, not an evaluation judge, reads G1's decoded translations into a digit
  domain, its cross-entropy against the source's class added to G1's loss (details, and why mnist2fashion
  has none, in train/train_latent_gan.py).
- MLP mappers and discriminators; conv encoders/decoders without normalisation layers.
- The app translates domain 1 -> domain 2 only; G2 (2 -> 1) is trained and shipped and reachable through
  `translate_batch(..., reverse=True)`.
- Not implemented: anything of the paper beyond the above (its exact architectures, loss weights and
  schedules are unknown to us); evaluation uses this project's judges, not the paper's metrics.

Tasks (variants): "mnist_0to5" MNIST digits 0-4 -> 5-9 (class i -> i + 5, as in the paper; each VAE sees
only its half of MNIST), "mnist2fashion" MNIST class i -> Fashion-MNIST class i, "usps2mnist" USPS class i
-> MNIST class i. USPS (16x16, digit filling the frame) is resized to 20x20 (bilinear) and padded to
28x28, the size of MNIST's digit box. The latent plot uses a 2-D PCA of each domain's latent space,
fitted at the end of training on test images and stored in the checkpoint as buffers of each VAE.
Evaluation translates the whole source test set (for mnist_0to5: MNIST test digits 0-4) and has the
target judges read each output: for an MNIST target both judge sets (xmgan.judges.translation.read_digits,
`accuracy` the lower of `accuracy_judge_a` and `accuracy_judge_b`), for Fashion-MNIST each set's Fashion
judge likewise (the images as they are, 28x28; a set without one is left out and `judges` says which
read); the untranslated input is read the same way beside it. The Frechet
distance (first judge's features) compares with real target test images of the target classes only (for
mnist_0to5: MNIST test digits 5-9, floor from training digits 5-9). `style_consistency` (issue 17): per
target class, the mean pairwise pixel distance of translations of different inputs divided by that of real
target test images of the class, averaged over classes (xmgan.metrics.style_consistency; 1.0 is as varied
as real images, near 0 one picture per class whatever the input). The translations measured share one noise
draw, so only the input can make them differ; `style_consistency_own_noise` is the same figure for the
evaluated translations (one noise draw per image), which noise alone can make vary.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .. import plots
from ..data import DOMAINS, class_names, load_images, to_float, to_uint8
from ..images import digit_like_mnist
from ..judges import get_judges, predict, real_features
from ..judges.translation import read_classes, read_digits
from ..layers import frame_digits
from ..metrics import fd_block, style_consistency
from ..pipeline import Pipeline, Route, seeded_normal
from ..registry import register
from ..specs.latent_gan import TASKS  # variant -> source and target domains, classes, class offset

JUDGE_OF = {"mnist": "mnist", "usps": "mnist", "fashion": "fashion"}  # usps inputs are read MNIST-style


@dataclass
class Config:
    task: str = "mnist_0to5"
    source: str = "mnist"
    target: str = "mnist"
    dataset: str = "mnist"  # the target domain: picks the judge that captions outputs
    n_classes: int = 5      # source classes 0..n_classes-1
    offset: int = 5         # source class c corresponds to target class c + offset
    latent_dim: int = 16
    width: int = 32         # conv channels of the VAEs (w, 2w)
    hidden: int = 256       # width of the mapper and latent-discriminator MLPs
    image_size: int = 28
    plot_per_class: int = 40  # encoded test images per class kept for the latent plot

    @property
    def source_classes(self) -> list[int]:
        return list(range(self.n_classes))

    @property
    def target_classes(self) -> list[int]:
        return [c + self.offset for c in self.source_classes]


def for_task(task: str, **kw) -> Config:
    """The Config of one task (variant), with optional size overrides."""
    t = TASKS[task]
    return Config(task=task, dataset=t["target"], **t, **kw)


def to_28(x: torch.Tensor) -> torch.Tensor:
    """(N, 1, 16, 16) USPS in [-1, 1] -> (N, 1, 28, 28): resize to MNIST's 20x20 digit box, pad with black."""
    if x.shape[-1] == 28:
        return x
    return frame_digits(x, 28, box=20)


def load_domain(name: str, split: str, classes: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of `classes` from one dataset as (x (N, 1, 28, 28) float in [-1, 1], y (N,) int64)."""
    s = load_images(name, split)
    keep = np.isin(s.y, classes)
    return to_28(torch.from_numpy(to_float(s.x[keep]))), torch.from_numpy(s.y[keep])


class VAE(nn.Module):
    """Conv VAE: x (B, 1, 28, 28) -> (mu, logvar) (B, latent); z -> pixel logits (B, 1, 28, 28).

    Also holds, as buffers, a 2-D PCA of its latent space (mean, basis) and a few hundred projected test
    codes with their class-pair index, for the app's plot."""

    def __init__(self, c: Config):
        super().__init__()
        w, d = c.width, c.latent_dim
        self.w = w
        self.enc = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2, True),           # 14x14
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.LeakyReLU(0.2, True),       # 7x7
            nn.Flatten(), nn.Linear(2 * w * 49, 2 * d),
        )
        self.fc = nn.Sequential(nn.Linear(d, 2 * w * 49), nn.ReLU(True))
        self.dec = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.ReLU(True),        # 14x14
            nn.ConvTranspose2d(w, 1, 4, 2, 1),                           # 28x28 logits
        )
        p = c.plot_per_class * c.n_classes
        self.register_buffer("pca_mean", torch.zeros(d))
        self.register_buffer("pca_basis", torch.zeros(2, d))
        self.register_buffer("pca_points", torch.zeros(p, 2))
        self.register_buffer("pca_labels", torch.zeros(p, dtype=torch.long))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 8)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(self.fc(z).view(len(z), 2 * self.w, 7, 7))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z -> image in [-1, 1] (the Bernoulli mean 2 * sigmoid - 1)."""
        return torch.tanh(0.5 * self.logits(z).float())

    def project(self, z: torch.Tensor) -> torch.Tensor:  # (N, latent) -> (N, 2)
        return (z - self.pca_mean) @ self.pca_basis.T

    @torch.no_grad()
    def fit_pca(self, x: torch.Tensor, pair: torch.Tensor, per_class: int) -> None:
        """Fit the plot's PCA on the codes of x and keep `per_class` projected codes of each pair index."""
        mu = torch.cat([self.encode(x[i:i + 1000])[0].float() for i in range(0, len(x), 1000)])
        mean = mu.mean(0)
        _, _, vh = torch.linalg.svd(mu - mean, full_matrices=False)
        basis = vh[:2] * torch.sign(vh[:2].gather(1, vh[:2].abs().argmax(1, keepdim=True)))  # fixed signs
        keep = []
        for k in range(len(self.pca_points) // per_class):  # repeat images where a class has too few (tiny data)
            idx = torch.nonzero(pair == k).squeeze(1)
            idx = idx if len(idx) else torch.arange(len(pair))
            keep.append(idx[torch.arange(per_class) % len(idx)])
        keep = torch.cat(keep)
        self.pca_mean.copy_(mean)
        self.pca_basis.copy_(basis)
        self.pca_points.copy_((mu[keep] - mean) @ basis.T)
        self.pca_labels.copy_(pair[keep])


def mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.LeakyReLU(0.2, True),
                         nn.Linear(hidden, hidden), nn.LeakyReLU(0.2, True), nn.Linear(hidden, d_out))


class Mapper(nn.Module):
    """G: (z from one latent space (B, d), eps (B, d)) -> z in the other (B, d)."""

    def __init__(self, c: Config):
        super().__init__()
        self.net = mlp(2 * c.latent_dim, c.hidden, c.latent_dim)

    def forward(self, z: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([z, eps], 1))


class PairCritic(nn.Module):
    """D: (z_a (B, d), z_b (B, d)) -> logit (B,) of "a real corresponding pair"."""

    def __init__(self, c: Config):
        super().__init__()
        self.net = mlp(2 * c.latent_dim, c.hidden, 1)

    def forward(self, za: torch.Tensor, zb: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([za, zb], 1)).squeeze(1)


@register("latent_gan")
class LatentGanPipeline(Pipeline):
    Config = Config
    # Issue 17's goals: the translation keeps the class, varies with the input, and looks like the target.
    goals = {v: {"accuracy": acc, "style_consistency": 0.5, "fd_ratio_max": 30}
             for v, acc in (("mnist_0to5", 0.97), ("mnist2fashion", 0.90), ("usps2mnist", 0.97))}

    @classmethod
    def config_for(cls, variant: str) -> Config:
        return for_task(variant)

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        return nn.ModuleDict({"vae1": VAE(config), "vae2": VAE(config), "G1": Mapper(config), "G2": Mapper(config),
                              "D1": PairCritic(config), "D2": PairCritic(config)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        b, d, s = 4, config.latent_dim, config.image_size
        total = torch.zeros(())
        zs = []
        for name in ("vae1", "vae2"):
            mu, logvar = nets[name].encode(torch.randn(b, 1, s, s))
            assert mu.shape == logvar.shape == (b, d)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            x = nets[name].logits(z)
            assert x.shape == (b, 1, s, s)
            total = total + x.mean()
            zs.append(z)
        for g, dis, (za, zb) in (("G1", "D1", zs), ("G2", "D2", zs[::-1])):
            out = nets[g](za, torch.randn(b, d))
            assert out.shape == (b, d)
            logit = nets[dis](za, out)
            assert logit.shape == (b,)
            total = total + logit.mean()
        return total

    @torch.inference_mode()
    def translate_batch(self, x: torch.Tensor, seed: int = 0, variant: str | None = None,
                        reverse: bool = False, shared_noise: bool = False) -> torch.Tensor:
        """x (N, 1, 28, 28) float in [-1, 1] of the source domain -> (N, 1, 28, 28) in the target domain,
        one noise draw per image from `seed`, or one draw for all of them with `shared_noise` (reverse:
        target -> source with G2)."""
        nets = self.net(variant)
        enc, g, dec = ("vae2", "G2", "vae1") if reverse else ("vae1", "G1", "vae2")
        mu, _ = nets[enc].encode(x.float())
        if shared_noise:
            eps = seeded_normal((1, mu.shape[1]), seed).expand(len(mu), -1)
        else:
            eps = seeded_normal(tuple(mu.shape), seed)
        return nets[dec].decode(nets[g](mu, eps))

    def translate(self, image, seed: int = 0, count: int = 8,
                  variant: str | None = None) -> tuple[list[tuple[np.ndarray, str]], np.ndarray]:
        """A drawn/uploaded source-domain image -> (gallery: input, its VAE reconstruction, `count`
        translations from different noise draws; plot of both latent spaces with the codes marked)."""
        count, c = self.check_count(count), self.config(variant)
        eps = seeded_normal((count, c.latent_dim), seed)
        x = torch.from_numpy(digit_like_mnist(image, c.image_size))[None]  # (1, 1, 28, 28)
        nets = self.net(variant)
        with torch.inference_mode():
            z1, _ = nets["vae1"].encode(x)
            recon = nets["vae1"].decode(z1)
            z2 = nets["G1"](z1.expand(count, -1), eps)  # (count, latent)
            out = to_uint8(nets["vae2"].decode(z2).numpy())
            shown = torch.cat([x, recon])
            p1, p2 = nets["vae1"].project(z1).numpy(), nets["vae2"].project(z2).numpy()
        verdicts = get_judges().verdicts(JUDGE_OF[c.source], shown)
        head = [(im, f"{what}: {name} · {conf:.0%}") for im, what, (name, conf)
                in zip(to_uint8(shown.numpy()), ("input", "reconstruction"), verdicts)]
        return head + self.captioned(out, variant), self.latent_plot(p1, p2, variant)

    def routes(self, source: str) -> list[Route]:
        """One route per task from `source` (the Compare tab): one translation (noise from seed 0) and the
        target judge's reading."""
        def run(image, variant):
            x = torch.from_numpy(digit_like_mnist(image, self.config(variant).image_size))[None]  # (1, 1, 28, 28)
            out = to_uint8(self.translate_batch(x, 0, variant).numpy())
            return out[0], self.captioned(out, variant)[0][1]

        return [Route("latent_gan", v, v, self.config(v).source, self.config(v).target, f"Latent-space GAN ({v})",
                      lambda image, v=v: run(image, v)) for v in self.variants if self.config(v).source == source]

    # -- the latent plot: a cached matplotlib background, markers and arrows drawn over it (~20 ms) ----
    _plot_lock = threading.Lock()

    def _plot_background(self, variant: str | None) -> dict:
        variant = variant or self.variants[0]
        cache = self.__dict__.setdefault("_plots", {})
        with self._plot_lock:
            if variant not in cache:
                cache[variant] = _render_background(self.net(variant), self.config(variant))
            return cache[variant]

    def latent_plot(self, p1: np.ndarray, p2: np.ndarray, variant: str | None = None) -> np.ndarray:
        """PCA coordinates of the input code (1, 2) and the mapped codes (count, 2) -> uint8 RGB image."""
        return plots.mark_points(self._plot_background(variant), [p1, p2])

    def evaluate(self, variant: str, n: int | None = None) -> dict:
        """Translate the held-out source test set (its first `n` images when given); the target judges read
        each output (both judge sets, the lower figure counting; for Fashion-MNIST the sets that hold a Fashion
        judge), beside the untranslated input; style consistency against real target images."""
        c = self.config(variant)
        judge = get_judges()[c.dataset]
        x, y = load_domain(c.source, "test", c.source_classes)
        x, y = (x[:n], y[:n]) if n else (x, y)
        expected = y.numpy() + c.offset
        out = torch.cat([self.translate_batch(x[i:i + 500], seed=i, variant=variant) for i in range(0, len(x), 500)])
        _, feats = predict(judge, out)  # the first judge's features give the Frechet distance
        if c.target in DOMAINS:  # a digit domain: both judge sets read it in the shared 32x32 layout
            read = read_digits(frame_digits(out, 32), expected, c.target)
            lo = c.target_classes[0]
            acc = {"accuracy": read["accuracy"], "accuracy_judge_a": read["accuracy_judge_a"],
                   "per_class_accuracy": read["per_class_accuracy"][lo:lo + c.n_classes], "judges": read["judges"]}
            if "accuracy_judge_b" in read:  # the second set is present
                acc["accuracy_judge_b"] = read["accuracy_judge_b"]
            untranslated = read_digits(frame_digits(x, 32), expected, c.target)["accuracy"]
        else:  # Fashion-MNIST: every judge set with a Fashion judge reads the 28x28 images as they are
            acc = read_classes(out, expected, c.target, c.target_classes)
            untranslated = read_classes(x, expected, c.target, c.target_classes)["accuracy"]
        if c.offset or c.n_classes < len(class_names(c.target)):  # compare with the target classes only
            real = tuple(_class_features(judge, c.target, split, c.target_classes) for split in ("test", "train"))
        else:
            real = real_features(judge, c.target)
        # Style consistency with one noise draw shared by every input, so that only the input can make the
        # outputs differ; beside it, the same figure for the evaluated translations (a draw per image).
        xt, yt = load_domain(c.target, "test", c.target_classes)
        real_px = xt.numpy().reshape(len(xt), -1)
        shared = torch.cat([self.translate_batch(x[i:i + 500], seed=0, variant=variant, shared_noise=True)
                            for i in range(0, len(x), 500)])
        style = style_consistency(shared.numpy().reshape(len(x), -1), expected, real_px, yt.numpy(), c.target_classes)
        own = style_consistency(out.numpy().reshape(len(out), -1), expected, real_px, yt.numpy(), c.target_classes)
        return {
            "n_translated": len(out),
            **acc,
            **fd_block(feats, *real),
            "fd_reference": f"{c.target} test images of classes {c.target_classes[0]}-{c.target_classes[-1]}",
            "source_accuracy_untranslated": untranslated,
            **style,
            "style_consistency_own_noise": own["style_consistency"],
            "style_reference": f"{c.target} test images of the same class (1.0: as varied as real images); "
                               "one noise draw (seed 0) shared by all inputs",
        }


def _class_features(judge, dataset: str, split: str, classes: list[int], n: int = 10000) -> np.ndarray:
    """Judge features of (at most n, a fixed random subset) real images of `classes` only."""
    x, _ = load_domain(dataset, split, classes)
    if len(x) > n:
        x = x[torch.from_numpy(np.random.default_rng(0).choice(len(x), n, replace=False))]
    return predict(judge, x)[1]


def _render_background(nets: nn.ModuleDict, c: Config) -> dict:
    """Both latent spaces' PCA scatter, coloured by class pair (xmgan.plots.latent_background)."""
    src, tgt = class_names(c.source), class_names(c.target)
    panels = [(nets["vae1"].pca_points.numpy(), nets["vae1"].pca_labels.numpy(),
               f"source latent z: {_name(c.source, c.source_classes)}"),
              (nets["vae2"].pca_points.numpy(), nets["vae2"].pca_labels.numpy(),
               f"target latent z′: {_name(c.target, c.target_classes)}")]
    pairs = [f"{src[k]} → {tgt[k + c.offset]}" for k in range(c.n_classes)]
    return plots.latent_background(panels, c.n_classes, pairs, ("your input's code z", "mapped z′ = G1(z, ε)"),
                                   "G1, one arrow per noise draw ε")


def _name(domain: str, classes: list[int]) -> str:
    """'MNIST 0-4', 'Fashion-MNIST', 'USPS': a domain, and its classes where they are not all of them."""
    name = {"mnist": "MNIST", "usps": "USPS", "fashion": "Fashion-MNIST"}.get(domain, domain)
    return f"{name} {classes[0]}-{classes[-1]}" if len(classes) < len(class_names(domain)) else name
