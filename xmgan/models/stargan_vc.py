"""`stargan_vc`: many-to-many voice conversion among four VCC2016 speakers with one generator.

Kameoka, Kaneko, Tanaka & Hojo, "StarGAN-VC: Non-parallel many-to-many voice conversion with star generative
adversarial networks" (SLT 2018). One generator G(x, c) converts mel-cepstra x to the speaker with code c;
a discriminator D(y, c) judges whether y is real speech of speaker c; a domain classifier C(y) names the
speaker. Training (train/train_stargan_vc.py) minimises, for G, adversarial + lambda_cls classification of
G(x, c_t) as c_t + lambda_cyc |G(G(x, c_t), c_s) - x|_1 + lambda_id |G(x, c_s) - x|_1 (10 and 5 as in the
paper's follow-up StarGAN-VC2); D and C learn from real speech (least-squares GAN loss, as StarGAN-VC2).
Unlike the papers, the identity loss stays on for the whole (short) training: when it was dropped, D and C
drove G to remap c1/c2 frame by frame within a thousand steps, which fooled the judge but raised the MCD
1-2 dB above the plain mean-variance conversion (train/train_stargan_vc.py).

Implemented, and what differs from the paper:
- features: WORLD (DIO + StoneMask, CheapTrick, D4C, 5 ms) mel-cepstrum c1..c35 (alpha 0.42) standardised
  per speaker; F0 by the log-Gaussian normalised transform; aperiodicity and c0 passed through
  (xmgan/models/_vc.py, xmgan/audio.py);
- G is CycleGAN-VC's 1-D gated CNN (GLU, 2 down-sampling, residual, 2 up-sampling blocks, instance norm)
  with the target code appended as channels to the input of every block (the paper's G is a 2-D gated
  encoder-decoder), plus a global residual (see _vc.Generator); D is a 2-D gated CNN conditioned by
  projection (as StarGAN-VC2) instead of code channels; C a 1-D CNN; all far narrower than the paper's so
  that one model trains in about half an hour on one CPU core;
- all four speakers SF1, SF2 (female), TM1, TM2 (male): 12 directions in one model, random unpaired
  segments of the 162 training sentences (the corpus is parallel, the training never pairs them).

Evaluation (`evaluate`): the 54 evaluation sentences of every source speaker, converted to each other speaker,
re-analysed; MCD against the real target speaker's same sentence (DTW-aligned, c1..c24) beside the
no-conversion baseline, the speaker judge's verdict (checkpoints/speaker_judge), log-F0 RMSE and correlation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..pipeline import Pipeline
from ..registry import Action, ModelSpec, register
from . import _vc


@dataclass
class Config:
    dataset: str = "vcc2016"
    speakers: list = field(default_factory=lambda: list(_vc.SPEAKERS))
    n_feats: int = _vc.N_FEATS   # mel-cepstral coefficients c1..c35
    g_width: int = 32            # G: w, 2w, 4w channels
    g_res: int = 4               # residual blocks of G
    d_width: int = 16            # D: w, 2w, 4w, 4w channels
    c_width: int = 32            # C: w, 2w channels
    frames: int = 128            # training segment length (5 ms frames)
    stats: dict = field(default_factory=lambda: _vc.neutral_stats(_vc.SPEAKERS))  # per speaker, training split


SPEC = ModelSpec(
    id="stargan_vc",
    tab="StarGAN-VC",
    title="StarGAN-VC — many-to-many voice conversion (VCC2016, 4 speakers)",
    paper="Kameoka, Kaneko, Tanaka & Hojo, StarGAN-VC: Non-parallel Many-to-Many Voice Conversion with "
          "Star Generative Adversarial Networks, SLT 2018",
    paper_url="https://arxiv.org/abs/1806.02169",
    task="audio->audio",
    variants=("vcc2016",),
    variant_label="Corpus",
    actions=(Action("convert", "Convert", ("audio", "source", "target"), ("audio", "image", "text")),),
    description="Record or upload an English sentence, say which of the four VCC2016 speakers it is closest "
                "to (or who speaks it, for the example sentences) and pick a target speaker: one generator, "
                "told the target speaker, converts the WORLD mel-cepstrum; F0 is moved to the target's range. "
                "A speaker classifier, trained separately, says whom the result sounds like.",
    audio_examples=("examples/vcc2016/SF1_200007.wav", "examples/vcc2016/SF2_200006.wav",
                    "examples/vcc2016/TM1_200009.wav", "examples/vcc2016/TM2_200007.wav"),
    choices={"source": _vc.SPEAKERS, "target": _vc.SPEAKERS},
    defaults={"source": "SF1", "target": "TM1"},
)


def code(index: torch.Tensor, n: int) -> torch.Tensor:
    """Speaker indices (B,) -> one-hot codes (B, n) float."""
    return F.one_hot(index, n).float()


@register(SPEC)
class StarganVcPipeline(Pipeline):
    Config = Config
    goals = {"vcc2016": {"min_mcd_gain_db": 1.5, "min_judge_target_rate": 0.9}}

    @classmethod
    def config_for(cls, variant: str) -> Config:
        return Config(dataset=variant)

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        s = len(config.speakers)
        return nn.ModuleDict({
            "G": _vc.Generator(config.n_feats, config.g_width, config.g_res, n_code=s),
            "D": _vc.Discriminator(config.d_width, n_speakers=s),
            "C": _vc.SpeakerNet(s, config.n_feats, config.c_width),
        })

    @staticmethod
    def smoke_loss(nets: nn.ModuleDict, config: Config) -> torch.Tensor:
        s = len(config.speakers)
        x = torch.randn(3, config.n_feats, 42)  # a length that is not a multiple of 4
        trg = torch.tensor([1, 2, 3]) % s
        fake = nets["G"](x, code(trg, s))
        assert fake.shape == x.shape
        d = nets["D"](fake, trg)
        assert d.shape[0] == 3 and d.ndim == 3
        logits = nets["C"](fake)
        assert logits.shape == (3, s)
        return d.mean() + logits.mean() + fake.pow(2).mean()

    def converter(self, source: str, target: str, variant: str | None = None):
        """(features (1, 35, N) -> features) of one direction, with the source and target statistics."""
        c, g = self.config(variant), self.net(variant)["G"]
        trg = torch.tensor([c.speakers.index(target)])
        return (lambda x: g(x, code(trg, len(c.speakers)))), c.stats[source], c.stats[target]

    def convert(self, audio, source: str = "SF1", target: str = "TM1", variant: str | None = None):
        """-> ((16000, int16) converted speech, the same length as the input; spectrograms of input and
        output side by side; the speaker judge's verdict on both)."""
        c = self.config(variant)
        _vc.check_speaker(source, c.speakers, "The source")
        _vc.check_speaker(target, c.speakers, "The target")
        return _vc.convert_for_app(audio, source, target, lambda s, t: self.converter(s, t, variant))

    def evaluate(self, variant: str) -> dict:
        c = self.config(variant)
        directions = [(s, t) for s in c.speakers for t in c.speakers if s != t]
        return _vc.evaluate_directions(lambda s, t: self.converter(s, t, variant), directions)
