"""What the app shows of the CycleGAN-VC (its tab); the model itself is xmgan/models/cyclegan_vc.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

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
    actions=(Action("convert", "Convert", ("audio", "direction"), ("audio", "image", "text"),
                    ("Converted speech (play or download)", "Spectrograms: your input and the converted speech",
                     "Whom the speaker judge hears")),),
    description="Record or upload an English sentence and pick a direction: a female voice (SF1) to a male "
                "one (TM1) or back. Two generators trained without a single parallel sentence convert the "
                "WORLD mel-cepstrum; F0 is moved to the target's range. A speaker classifier, trained "
                "separately, says whom the result sounds like.",
    audio_examples=("examples/vcc2016/SF1_200007.wav", "examples/vcc2016/TM1_200009.wav",
                    "examples/vcc2016/SF1_200014.wav", "examples/vcc2016/TM1_200014.wav"),
    choices={"direction": ("SF1 → TM1", "TM1 → SF1")},
)
