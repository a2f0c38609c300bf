"""What the app shows of the StarGAN (its tab); the model itself is xmgan/models/stargan.py."""
from __future__ import annotations

from ..data import DOMAINS
from ..registry import Action, ModelSpec

SPEC = ModelSpec(
    id="stargan",
    tab="StarGAN",
    title="StarGAN — one generator, four digit domains, 12 directions",
    paper="Choi et al., StarGAN: Unified Generative Adversarial Networks for Multi-Domain Image-to-Image "
          "Translation, CVPR 2018",
    paper_url="https://arxiv.org/abs/1711.09020",
    task="image->image",
    variants=("digits4",),
    variant_label="Model",
    choices={"source": DOMAINS},
    actions=(Action("translate_all", "Translate to every domain", ("source", "image"), ("gallery",),
                    ("Your input as the model sees it, then its translation into each domain",)),),
    hints={**dict.fromkeys(("mnist", "usps"),
                           "a handwritten digit: draw one or click the first two examples. The generator is told "
                           "only the target domain; the source decides how your picture is framed, and MNIST and "
                           "USPS frame a drawing the same way, so either choice gives the same translations."),
           "mnist_m": "a colour MNIST-M picture: a digit on a patch of photo (the 3rd and 6th examples). The whole "
                      "picture is used, cropped to a square.",
           "printed": "a typeset digit: dark ink on light paper (the 4th and 5th examples). The whole picture is "
                      "used, cropped to a square."},
    description="Say which domain your picture is from (a drawing is handwriting: MNIST or USPS), then "
                "translate it into all four domains at once: MNIST, USPS, MNIST-M (digits on photos) and "
                "printed digits (typeset in a dozen fonts, coloured ink on paper). Under each output: the "
                "4-way domain judge and that domain's digit judge.",
    examples=("examples/mnist/3.png", "examples/usps/7.png", "examples/mnist_m/5.png", "examples/printed/2.png",
              "examples/printed/8.png", "examples/mnist_m/0.png"),
)
