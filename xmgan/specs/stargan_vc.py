"""What the app shows of the StarGAN-VC (its tab); the model itself is xmgan/models/stargan_vc.py."""
from __future__ import annotations

from ..data import VCC2016_SPEAKERS
from ..registry import Action, ModelSpec

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
    actions=(Action("convert", "Convert", ("audio", "source", "target"), ("audio", "image", "text"),
                    ("Converted speech (play or download)", "Spectrograms: your input and the converted speech",
                     "Whom the speaker judge hears")),),
    description="Record or upload an English sentence, say which of the four VCC2016 speakers it is closest "
                "to (or who speaks it, for the example sentences) and pick a target speaker: one generator, "
                "told the target speaker, converts the WORLD mel-cepstrum; F0 is moved to the target's range. "
                "A speaker classifier, trained separately, says whom the result sounds like.",
    audio_examples=("examples/vcc2016/SF1_200007.wav", "examples/vcc2016/SF2_200006.wav",
                    "examples/vcc2016/TM1_200009.wav", "examples/vcc2016/TM2_200007.wav"),
    choices={"source": VCC2016_SPEAKERS, "target": VCC2016_SPEAKERS},
    defaults={"source": "SF1", "target": "TM1"},
)
