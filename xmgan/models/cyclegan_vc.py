"""`cyclegan_vc`: non-parallel voice conversion between two VCC2016 speakers, SF1 (female) <-> TM1 (male).

Kaneko, Kameoka, Tanaka & Hojo, "CycleGAN-VC2: Improved CycleGAN-based Non-parallel Voice Conversion"
(ICASSP 2019), after Kaneko & Kameoka, "CycleGAN-VC" (EUSIPCO 2018). Two generators G_XY, G_YX map mel-cepstra
between the speakers, one discriminator per speaker. Training (train/train_cyclegan_vc.py): least-squares
adversarial losses, cycle consistency (lambda_cyc = 10), identity mapping (lambda_id = 5) for the first
--id-steps steps and then off, random 128-frame segments, Adam 2e-4 (G) / 1e-4 (D), betas (0.5, 0.999).

Implemented (`arch="vc2"`), and what differs from the paper:
- non-parallel by construction, as the paper: SF1 trains on utterances 100001-100081 only and TM1 on
  100082-100162 only, so no sentence is ever seen from both speakers;
- features: WORLD (DIO + StoneMask F0; CheapTrick envelope and D4C aperiodicity of the 70 Hz high-passed
  waveform, 5 ms) mel-cepstrum c1..c35 (alpha 0.42) standardised with each speaker's statistics of those
  utterances; F0 by the log-Gaussian normalised transform; aperiodicity and c0 passed through (_vc.py);
- G: the 2-1-2D gated CNN (_vc.Generator212: 2-D gated down-sampling, 1x1 to 1-D, 6 gated residual blocks,
  1x1 back, 2-D gated up-sampling) with nearest-neighbour up-sampling instead of pixel shuffle, narrower than
  the paper (widths and the shipped ones in config.json; the paper's 128/256/256 does not run in real time on
  2 CPU cores), plus a global residual connection (not in the paper: an untrained G is the identity pipeline,
  training learns a correction); D: 2-D gated PatchGAN (_vc.Discriminator); no two-step adversarial loss (the
  paper's second D on cycled speech);
- the shipped generators are exponential moving averages of the trained ones.
`arch="v1"` (the CycleGAN-VC 1-D generator of the first shipped weights) still loads.
Tried on the shipped v1 weights and not shipped (MCD no better than the identity pipeline): continuing with
identity weight 5 -> 1 (D loss falls to 0.03, G stays the identity); D learning rate 1e-5 and 3e-6 (the same);
a fresh D with annealed instance noise (`--fresh-d --d-noise 0.3 --d-noise-steps 8000 --real-label 0.9`,
identity weight 1; 3,800 steps, 38 min): D loss 0.2 while the noise was strong, 0.05 again by step 2,600;
SF1 -> TM1 8.85 dB against the identity pipeline's 8.75, TM1 -> SF1 8.71 against 8.73.
Tried on a lent NVIDIA H100 (2026-11-24, train/gpu_job.sh, batch 16, the vc2 generator from scratch at the
shipped widths), not shipped: stage 1, the paper's losses (cycle x10, identity x5), 3,224 steps in 8 min: G
stayed the identity (cycle and identity losses 0.001, D loss 0.03; vc_common.recon says why: an L1 penalty
around a residual G pins it there). Stages 2 and 3, identity loss off and cycle weight 3, then 5 (8 min each,
11,338 steps in all): G left the identity (cycle loss 0.25-0.34) but not towards the target: SF1 -> TM1
10.26 dB against the identity pipeline's 8.75 (1.50 dB worse), TM1 -> SF1 8.73 against 8.73; waveform judge
94% / 98% (identity 100%).
Tried on the CPU (2026-11-24), not shipped: the shipped v1 weights continued with the cycle and identity
losses as mean squared errors (`--recon-loss l2`, cycle x10, identity x5 for 2,000 steps, then off), 10,805
steps in 100 min on one thread (`python train/train_cyclegan_vc.py --arch v1 --g-width 32 --g-res 4 --d-width
16 --init-from checkpoints/cyclegan_vc --recon-loss l2 --id-steps 2000 --steps 100000 --max-minutes 100
--threads 1 --precision fp32`). G left the identity (L2 cycle loss about 0.01) while D stayed in control (D
loss 0.04-0.07, G's least-squares adversarial loss about 1.9; 2 is D calling every conversion fake):
SF1 -> TM1 9.31 dB against the identity pipeline's 8.75, TM1 -> SF1 9.61 against 8.73; waveform judge 70% /
98% (identity 100%). Freeing G from the identity, by either distance, moves it away from the target: the
adversarial signal, not the reconstruction loss, is what fails here.

Evaluation (`evaluate`, _vc.evaluate_directions): the 54 evaluation sentences converted in both directions and
*heard*, not read from the converter's features: MCD by an independent re-analysis (xmgan.judges.speech) against the
real target speaker's same sentence, beside no conversion, the identity pipeline (generator = identity), the
coding floor and the vocoder floor; the waveform speaker judge (xmgan.judges.wave); log-F0 RMSE/correlation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..errors import BadInput
from ..pipeline import Pipeline
from ..registry import register
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
    arch: str = "v1"          # "v1": the 1-D gated CNN of CycleGAN-VC; "vc2": CycleGAN-VC2's 2-1-2D generator
    res_width: int = 128      # vc2: channels of the 1-D residual blocks
    stats: dict = field(default_factory=lambda: _vc.neutral_stats(("SF1", "TM1")))

    @property
    def directions(self) -> tuple[str, str]:
        return f"{self.source} → {self.target}", f"{self.target} → {self.source}"


@register("cyclegan_vc")
class CycleganVcPipeline(Pipeline):
    Config = Config
    # metrics.json has one entry per direction ("sf1_to_tm1", "tm1_to_sf1"), each with issue 16's goals
    goals = _vc.direction_goals([("SF1", "TM1"), ("TM1", "SF1")])

    @classmethod
    def config_for(cls, variant: str) -> Config:
        source, target = variant.upper().split("_")
        return Config(source=source, target=target, stats=_vc.neutral_stats((source, target)), arch="vc2", g_res=6)

    @staticmethod
    def build(config: Config) -> nn.ModuleDict:
        def g() -> nn.Module:
            if config.arch == "vc2":
                return _vc.Generator212(config.n_feats, config.g_width, config.res_width, config.g_res)
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
        out = _vc.evaluate_directions(lambda s, t: self.converter(s, t, variant),
                                      [(c.source, c.target), (c.target, c.source)])
        for m in out["by_direction"].values():
            m["pair"] = variant
        return out
