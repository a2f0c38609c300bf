"""`cyclegan_vc`: non-parallel voice conversion between two VCC2016 speakers, SF1 (female) <-> TM1 (male).

Kaneko & Kameoka, "CycleGAN-VC: Non-parallel Voice Conversion Using Cycle-Consistent Adversarial Networks"
(EUSIPCO 2018; arXiv 2017). Two generators G_XY, G_YX map mel-cepstra between the speakers, one discriminator
per speaker. Training (train/train_cyclegan_vc.py): least-squares adversarial losses, cycle consistency
(lambda_cyc = 10) and identity mapping (lambda_id = 5) losses, on random 128-frame segments. The paper drops
the identity loss after its first 10^4 iterations; in our runs of a few thousand steps, dropping it let D push
G into remapping c1/c2 frame by frame (MCD 1-2 dB above the mean-variance conversion), so it stays on.

Implemented, and what differs from the paper:
- non-parallel by construction, as the paper: SF1 trains on utterances 100001-100081 only and TM1 on
  100082-100162 only, so no sentence is ever seen from both speakers;
- features: WORLD (DIO + StoneMask, CheapTrick, D4C, 5 ms) mel-cepstrum c1..c35 (alpha 0.42; the paper has
  24 MCEPs) standardised with each speaker's statistics of those utterances; F0 by the log-Gaussian normalised
  transform; aperiodicity and c0 passed through (xmgan/models/_vc.py, xmgan/audio.py);
- G: the paper's 1-D gated CNN (GLU; two down-sampling, residual, two up-sampling blocks; instance norm;
  fully convolutional) at a quarter of its width and with 4 residual blocks instead of 6, plus a global
  residual connection (_vc.Generator); D: a 2-D gated CNN with patch outputs (the paper's ends in a fully
  connected layer; its LS loss is from CycleGAN-VC2); sized to train in about half an hour on one CPU core.
- the shipped generators are exponential moving averages of the trained ones.

Evaluation (`evaluate`): the 54 evaluation sentences converted in both directions; MCD against the real
target speaker's same sentence beside the no-conversion baseline, the speaker judge, log-F0 RMSE/correlation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..errors import BadInput
from ..pipeline import Pipeline
from ..registry import Action, ModelSpec, register
from . import _vc

SOURCE_UTTS = (100001, 100081)   # the source speaker's training sentences
TARGET_UTTS = (100082, 100162)   # the target speaker's: disjoint, so training is non-parallel


@dataclass
class Config:
    dataset: str = "vcc2016"
    source: str = "SF1"
    target: str = "TM1"
    n_feats: int = _vc.N_FEATS
    g_width: int = 32
    g_res: int = 4
    d_width: int = 16
    frames: int = 128
    stats: dict = field(default_factory=lambda: _vc.neutral_stats(("SF1", "TM1")))

    @property
    def directions(self) -> tuple[str, str]:
        return f"{self.source} → {self.target}", f"{self.target} → {self.source}"


SPEC = ModelSpec(
    id="cyclegan_vc",
    tab="CycleGAN-VC",
    title="CycleGAN-VC — non-parallel voice conversion SF1 ↔ TM1 (VCC2016)",
    paper="Kaneko & Kameoka, CycleGAN-VC: Non-parallel Voice Conversion Using Cycle-Consistent Adversarial "
          "Networks, EUSIPCO 2018",
    paper_url="https://arxiv.org/abs/1711.11293",
    task="audio->audio",
    variants=("sf1_tm1",),
    variant_label="Speaker pair",
    actions=(Action("convert", "Convert", ("audio", "direction"), ("audio", "image", "text")),),
    description="Record or upload an English sentence and pick a direction: a female voice (SF1) to a male "
                "one (TM1) or back. Two generators trained without a single parallel sentence convert the "
                "WORLD mel-cepstrum; F0 is moved to the target's range. A speaker classifier, trained "
                "separately, says whom the result sounds like.",
    audio_examples=("examples/vcc2016/SF1_200007.wav", "examples/vcc2016/TM1_200009.wav",
                    "examples/vcc2016/SF1_200014.wav", "examples/vcc2016/TM1_200014.wav"),
    choices={"direction": ("SF1 → TM1", "TM1 → SF1")},
)


@register(SPEC)
class CycleganVcPipeline(Pipeline):
    Config = Config
    goals = {"sf1_tm1": {"min_mcd_gain_db": 1.5, "min_judge_target_rate": 0.9}}

    @classmethod
    def config_for(cls, variant: str) -> Config:
        source, target = variant.upper().split("_")
        return Config(source=source, target=target, stats=_vc.neutral_stats((source, target)))

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        def g() -> nn.Module:
            return _vc.Generator(config.n_feats, config.g_width, config.g_res)

        # G_xy: source -> target, G_yx: target -> source; D_x judges source speech, D_y target speech
        return nn.ModuleDict({"G_xy": g(), "G_yx": g(), "D_x": _vc.Discriminator(config.d_width),
                              "D_y": _vc.Discriminator(config.d_width)})

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        x = torch.randn(2, config.n_feats, 42)  # a length that is not a multiple of 4
        y = nets["G_xy"](x)
        assert y.shape == x.shape
        back = nets["G_yx"](y)
        assert back.shape == x.shape
        return nets["D_y"](y).mean() + nets["D_x"](back).mean() + (back - x).abs().mean()

    def converter(self, source: str, target: str, variant: str | None = None):
        c, nets = self.config(variant), self.net(variant)
        g = nets["G_xy"] if (source, target) == (c.source, c.target) else nets["G_yx"]
        return g, c.stats[source], c.stats[target]

    def convert(self, audio, direction: str = "SF1 → TM1", variant: str | None = None):
        """-> ((16000, int16) converted speech, the same length as the input; spectrograms of input and
        output side by side; the speaker judge's verdict on both)."""
        c = self.config(variant)
        if direction not in c.directions:
            raise BadInput(f"Direction must be one of {' or '.join(c.directions)}, not {direction!r}.")
        source, target = direction.split(" → ")
        return _vc.convert_for_app(audio, source, target, lambda s, t: self.converter(s, t, variant))

    def evaluate(self, variant: str) -> dict:
        c = self.config(variant)
        return _vc.evaluate_directions(lambda s, t: self.converter(s, t, variant),
                                       [(c.source, c.target), (c.target, c.source)])
