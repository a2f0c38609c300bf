"""`cyclegan`: unpaired two-way digit translation, USPS <-> MNIST and MNIST <-> MNIST-M.

Zhu, Park, Isola & Efros, "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial
Networks" (ICCV 2017). Two generators G: A -> B and F: B -> A, two discriminators D_A and D_B; no pairs.

Implemented (paper section 3-4 and its appendix), in train/train_cyclegan.py:
- generators: the paper's ResNet generator (c7s1-k, two stride-2 downsamplings, residual blocks, two
  stride-2 upsamplings, c7s1-3 with tanh; instance norm, ReLU, reflection padding) scaled to 32x32:
  widths 16-32-64 and 3 residual blocks at 8x8 instead of 64-128-256 and 6-9 blocks at 128-256 px;
- discriminators: PatchGAN (4x4 convolutions, instance norm, LeakyReLU 0.2) of three layers, so each of
  its 8x8 outputs judges a 22 px patch of the 32 px image (the paper's 70 px of 256);
- losses: least-squares GAN, cycle consistency L1 with lambda = 10 both ways, identity mapping L1 with
  weight 0.5 * lambda (the paper's choice for colour-preserving tasks), D's loss halved;
- a history pool of the 50 last generated images per D, half of each D batch drawn from it;
- Adam (lr 2e-4, beta1 0.5), learning rate constant for the first half and decayed linearly to zero
  over the second half of the steps.

Choices, and what is not from the paper:
- all digit domains share one 32x32 layout (xmgan/domains.py); USPS <-> MNIST works in grey (1 channel),
  MNIST <-> MNIST-M in colour (MNIST replicated to 3 channels);
- batch 8 instead of 1 (CPU throughput), and the shipped generators are exponential moving averages
  of the trained ones; the shipped pairs trained 3,000 steps, then 3,000 more with the learning rate
  back at 2e-4 and decayed to zero again (this raised label kept by 2-10 points per direction);
- MNIST -> MNIST-M: the MNIST pool is MNIST train images 15,000..59,999, so it shares no digit with the
  MNIST-M training images (which are MNIST train images 0..14,999 on photos).
Not implemented: the paper's larger networks and 128-256 px photo tasks.

Round 2 (the shipped weights; train/train_cyclegan.py --init-from checkpoints/cyclegan): CyCADA's semantic
consistency (Hoffman et al. 2018), not in the CycleGAN paper: a frozen digit classifier, the *teacher*
(checkpoints/teacher/, trained on the labelled training splits of all four digit domains, its own weights
and seed, never an evaluation judge), reads G(a) and F(b); its cross-entropy against the source digit is a
generator loss (lambda_sem = 1). Labels reach only this loss; D and the cycle stay unpaired.
Rounds 3 and 4 (mnist_mnist_m only): the same recipe continued from the shipped weights for 6,832 more steps
(60 min), then 5,643 more (35 min), the learning rate back at 2e-4 and decayed to zero over each time box;
MNIST-M -> MNIST 90.5 -> 92.1 -> 92.5% kept, FD ratio 20.1 -> 14.2 -> 13.3. Round 5 (mnist_mnist_m shipped):
10,182 more steps (60 min, one thread) with the teacher's weight doubled (--lambda-sem 2): MNIST-M -> MNIST
92.5 -> 93.1% (FD ratio 11.1), MNIST -> MNIST-M 98.6% (FD ratio 9.0 -> 7.3).
Round 3 of usps_mnist: the same recipe continued from the shipped weights for 19,694 more steps (100 min, one
thread): MNIST -> USPS 92.0 -> 96.0% kept (FD ratio 24.1), USPS -> MNIST 96.9 -> 97.6% (FD ratio 50.3 -> 53.0:
USPS -> MNIST's floor is tiny, 0.054, and the untranslated USPS digits score 64.4 on it).

Evaluation (`evaluate`): both directions of a pair on the held-out test sets, each figure read by both
independent judge sets (the lower counts) beside the untranslated input: label kept, the cycle error mean
|x - F(G(x))| (in [-1, 1] units), the Frechet distance of the translations to the real target test set on
the judges' features, and from MNIST/USPS the drawing path (`drawn_accuracy`, see xmgan/domains.drawn_frames).
Anchor, for scale only: pixel-only CycleGAN SVHN -> MNIST 70.3% (CyCADA's ablation).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ..data import GREY, to_uint8
from ..domains import NAMES, drawn_frames, for_judge, load_frames, user_frame
from ..errors import XmganError
from ..judges import get_judges
from ..judges.translation import read_digits, score_translation
from ..pipeline import Pipeline, Route
from ..registry import register
from ..specs.cyclegan import DIRECTIONS, PAIRS


@dataclass
class Config:
    dataset: str = "usps_mnist"  # the pair: "<A>_<B>"
    domain_a: str = "usps"
    domain_b: str = "mnist"
    channels: int = 1            # 1 for two grey domains, 3 where one is in colour
    image_size: int = 32
    g_width: int = 16
    g_blocks: int = 3
    d_width: int = 32


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Generator(nn.Module):
    """x (B, C, 32, 32) in [-1, 1] -> (B, C, 32, 32) in [-1, 1]; ResNet generator of the paper, scaled."""

    def __init__(self, c: Config):
        super().__init__()
        w = c.g_width
        self.net = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(c.channels, w, 7), nn.InstanceNorm2d(w), nn.ReLU(True),     # 32
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.InstanceNorm2d(2 * w), nn.ReLU(True),                       # 16
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.InstanceNorm2d(4 * w), nn.ReLU(True),                   # 8
            *[ResBlock(4 * w) for _ in range(c.g_blocks)],
            nn.ConvTranspose2d(4 * w, 2 * w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(2 * w), nn.ReLU(True),
            nn.ConvTranspose2d(2 * w, w, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(w), nn.ReLU(True),
            nn.ReflectionPad2d(3), nn.Conv2d(w, c.channels, 7), nn.Tanh(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """x (B, C, 32, 32) -> (B, 1, 8, 8): one real/fake score per overlapping 22 px patch."""

    def __init__(self, c: Config):
        super().__init__()
        w = c.d_width
        self.net = nn.Sequential(
            nn.Conv2d(c.channels, w, 4, 2, 1), nn.LeakyReLU(0.2, True),                               # 16
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.InstanceNorm2d(2 * w), nn.LeakyReLU(0.2, True),          # 8
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1), nn.InstanceNorm2d(4 * w), nn.LeakyReLU(0.2, True),      # 8
            nn.Conv2d(4 * w, 1, 3, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@register("cyclegan")
class CycleganPipeline(Pipeline):
    Config = Config
    # metrics.json has one entry per direction (evaluate returns them "by_direction")
    # label kept (the lower of both judges), FD ratio to the real target, and the drawing path
    goals = {"usps2mnist": {"accuracy": 0.95, "fd_ratio_max": 30.0, "drawn_accuracy": 0.95},
             "mnist2usps": {"accuracy": 0.95, "fd_ratio_max": 30.0, "drawn_accuracy": 0.95},
             "mnist2mnist_m": {"accuracy": 0.93, "fd_ratio_max": 30.0, "drawn_accuracy": 0.95},
             "mnist_m2mnist": {"accuracy": 0.93, "fd_ratio_max": 30.0}}

    @classmethod
    def config_for(cls, variant: str) -> Config:
        a, b = PAIRS[variant]
        return Config(dataset=variant, domain_a=a, domain_b=b, channels=1 if b in ("mnist", "usps") and
                      a in ("mnist", "usps") else 3)

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        return nn.ModuleDict({"G": Generator(config), "F": Generator(config),
                              "D_A": PatchDiscriminator(config), "D_B": PatchDiscriminator(config)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        s, ch = config.image_size, config.channels
        a, b = torch.rand(2, ch, s, s) * 2 - 1, torch.rand(2, ch, s, s) * 2 - 1
        fake_b, fake_a = nets["G"](a), nets["F"](b)
        assert fake_b.shape == a.shape and fake_a.shape == b.shape
        score = nets["D_B"](fake_b)
        assert score.shape == (2, 1, s // 4, s // 4)
        cycle = (nets["F"](fake_b) - a).abs().mean() + (nets["G"](fake_a) - b).abs().mean()
        return score.mean() + nets["D_A"](fake_a).mean() + cycle

    def ends(self, direction: str, variant: str | None = None) -> tuple[str, str, str, str]:
        """(source domain, target domain, forward net, backward net) of a direction."""
        if direction not in DIRECTIONS:
            raise XmganError(f"Direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}.")
        c = self.config(variant)
        if direction == DIRECTIONS[0]:
            return c.domain_a, c.domain_b, "G", "F"
        return c.domain_b, c.domain_a, "F", "G"

    @torch.inference_mode()
    def translate_batch(self, x: torch.Tensor | np.ndarray, net: str, variant: str | None = None,
                        batch: int = 500) -> np.ndarray:
        """Images (N, C, 32, 32) in [-1, 1] through G or F -> (N, C, 32, 32) float numpy."""
        g = self.net(variant)[net]
        x = torch.as_tensor(x, dtype=torch.float32)
        return torch.cat([g(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()

    def translate(self, image, direction: str = DIRECTIONS[0], variant: str | None = None) -> list[tuple[np.ndarray, str]]:
        """[input as the model sees it, translation, cycle reconstruction], each with its domain judge's reading."""
        variant = self.variant(variant)
        source, target, fwd, back = self.ends(direction, variant)
        x = user_frame(image, source, self.config(variant).channels)[None]  # (1, C, 32, 32)
        y = self.translate_batch(x, fwd, variant)
        r = self.translate_batch(y, back, variant)
        rows = [(x, source, f"input as the model sees it ({NAMES[source]})"), (y, target, f"translation → {NAMES[target]}"),
                (r, source, f"cycle: back → {NAMES[source]}")]
        return [(self.show(im), f"{label}\njudge: {self.verdict(im, domain)}") for im, domain, label in rows]

    def routes(self, source: str) -> list[Route]:
        """Every (pair, direction) from `source` (the Compare tab): the translation and its judge's reading."""
        def run(image, variant, direction):
            src, target, fwd, _ = self.ends(direction, variant)
            y = self.translate_batch(user_frame(image, src, self.config(variant).channels)[None], fwd, variant)
            return self.show(y), self.verdict(y, target)

        out = []
        for v in self.variants:
            for d in DIRECTIONS:
                s, t, _, _ = self.ends(d, v)
                if s == source:
                    out.append(Route("cyclegan", v, f"{s}2{t}", s, t, f"CycleGAN ({v}, {d})",
                                     lambda image, v=v, d=d: run(image, v, d)))
        return out

    @staticmethod
    def show(x: np.ndarray) -> np.ndarray:
        """(1, C, 32, 32) -> uint8 RGB (32, 32, 3): grey shown as RGB so a row of mixed domains stacks."""
        u = to_uint8(x)[0]
        return np.repeat(u[..., None], 3, axis=-1) if u.ndim == 2 else u

    @staticmethod
    def verdict(x: np.ndarray, domain: str) -> str:
        (name, conf), = get_judges().verdicts(domain, for_judge(x, domain))
        return f"{name} · {conf:.0%}"

    def evaluate(self, variant: str, n_drawn: int = 1000) -> dict:
        """Both directions on the held-out test sets, read by both judge sets (the lower figure counts),
        beside the untranslated input: label kept, cycle error, FD to the real target; from MNIST and USPS
        also through the drawing path (test digits drawn on the app's canvas)."""
        c = self.config(variant)
        out = {}
        for direction in DIRECTIONS:
            source, target, fwd, back = self.ends(direction, variant)
            x, y = load_frames(source, "test", c.channels)
            fake = self.translate_batch(x, fwd, variant)
            rec = self.translate_batch(fake, back, variant)
            m = {"pair": variant, "n_test": int(len(y)),
                 **score_translation(x, fake, y.numpy(), target),
                 "cycle_l1": round(float(np.abs(rec - x.numpy()).mean()), 4)}
            if source in GREY:
                xd, yd = drawn_frames(source, n_drawn, c.channels)
                m["drawn_accuracy"] = read_digits(self.translate_batch(xd, fwd, variant), yd.numpy(), target)["accuracy"]
                m["n_drawn"] = int(len(yd))
            out[f"{source}2{target}"] = m
        return {"by_direction": out}
