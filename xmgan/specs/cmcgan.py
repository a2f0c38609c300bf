"""What the app shows of the CMCGAN (its tab); the model itself is xmgan/models/cmcgan.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

SPEC = ModelSpec(
    id="cmcgan",
    tab="CMCGAN",
    title="CMCGAN — spoken digits <-> handwritten digits",
    paper="Hao, Zhang and Guan, Cross-Modal Cycle Generative Adversarial Networks, 2017",
    paper_url="https://arxiv.org/abs/1711.08102",
    task="audio<->image",
    variants=("fsdd_mnist", "fsdd_mnist_loso"),
    variant_label="Model",
    hints={"fsdd_mnist": "a spoken digit, 0-9 in English, 0.3-5 s (record, upload or click an FSDD example), or a "
                         "handwritten digit for Image → sound. Trained on all six FSDD speakers.",
           "fsdd_mnist_loso": "the same, with a model that never heard the FSDD speaker theo "
                              "(leave-one-speaker-out): its metrics show how it draws the digits of a voice it "
                              "never heard."},
    actions=(Action("see", "Sound → image", ("audio", "seed", "count"), ("gallery", "image"),
                    ("Digits drawn from your sound, one per latent draw, with the MNIST judge's reading",
                     "Your sound: its spectrogram, with the spoken-digit judge's reading")),
             Action("hear", "Image → sound", ("image", "seed"), ("audio", "image"),
                    ("The digit spoken (generated WORLD vocoder parameters → WORLD synthesis)",
                     "Your drawing as the model sees it, and the spectrogram of the generated sound"))),
    examples=("examples/mnist/7.png", "examples/mnist/3.png", "examples/mnist/0.png", "examples/mnist/4.png"),
    audio_examples=tuple(f"examples/fsdd/{d}.wav" for d in range(10)),
    description="Say a digit (0-9, in English, 0.3-5 s) or pick an FSDD test recording: the model draws it "
                "by hand, once per latent draw, each draw in another hand. Draw a digit: the model says it — "
                "generated vocoder parameters turned into sound by WORLD. The MNIST judge captions each "
                "image; a spoken-digit judge that listens to the waveform says which digit it hears.",
)
