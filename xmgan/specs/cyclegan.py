"""What the app shows of the CycleGAN (its tab); the model itself is xmgan/models/cyclegan.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

PAIRS = {"usps_mnist": ("usps", "mnist"), "mnist_mnist_m": ("mnist", "mnist_m")}  # variant -> (domain A, domain B)
DIRECTIONS = ("A → B", "B → A")

SPEC = ModelSpec(
    id="cyclegan",
    tab="CycleGAN",
    title="CycleGAN — USPS ↔ MNIST and MNIST ↔ MNIST-M, both ways",
    paper="Zhu, Park, Isola & Efros, Unpaired Image-to-Image Translation using Cycle-Consistent "
          "Adversarial Networks, ICCV 2017",
    paper_url="https://arxiv.org/abs/1703.10593",
    task="image->image",
    variants=tuple(PAIRS),
    variant_label="Pair (A_B)",
    choices={"direction": DIRECTIONS},
    actions=(Action("translate", "Translate", ("variant", "direction", "image"), ("gallery",),
                    ("Your input as the model sees it → its translation → translated back (the cycle)",)),),
    hints={"usps_mnist": "a handwritten digit, in either direction: draw one, upload one, or click a USPS or "
                         "MNIST example. It is centred and fitted to a box, the framing both datasets share.",
           "mnist_mnist_m": "A → B (MNIST → MNIST-M): a handwritten digit (draw one or click an MNIST example). "
                            "B → A (MNIST-M → MNIST): a colour MNIST-M picture (the last two examples); the "
                            "whole picture is used, cropped to a square."},
    description="Pick a pair of domains (usps_mnist: A = USPS, B = MNIST; mnist_mnist_m: A = MNIST, "
                "B = MNIST-M) and a direction, then draw or upload a digit. G translates it, F translates "
                "it back (the cycle); the judge of each domain reads the input, the translation and the "
                "reconstruction. Trained on unpaired images only.",
    examples=("examples/usps/3.png", "examples/usps/7.png", "examples/mnist/2.png", "examples/mnist/5.png",
              "examples/mnist_m/4.png", "examples/mnist_m/9.png"),
)
