"""What the app shows of the Compare tab (one picture through every translator); the work is xmgan/compare.py."""
from __future__ import annotations

from ..data import GREY
from ..registry import Action, ModelSpec

# what the picture is -> the domains whose translators' routes take it (a drawing: MNIST and USPS alike)
SOURCES = {"handwriting": GREY, "mnist_m": ("mnist_m",), "printed": ("printed",)}

SPEC = ModelSpec(
    id="compare",
    tab="Compare",
    title="Compare — one digit through every translator",
    paper="Papers: on the DTN, Latent-space GAN, CycleGAN and StarGAN tabs.",
    paper_url="",
    task="image->image",
    variants=("all",),
    choices={"source": tuple(SOURCES)},
    actions=(Action("compare", "Compare every translator", ("source", "image"), ("gallery",),
                    ("Your input as the models see it, then every translation: model, direction, the judge's "
                     "reading, and the model's measured accuracy for that direction",)),),
    hints={"handwriting": "a handwritten digit: draw one with the mouse, upload a photo of one, or click one of the "
                          "first four examples. It goes through every translator that takes handwriting (MNIST or "
                          "USPS): DTN, the latent-space GAN, CycleGAN and StarGAN.",
           "mnist_m": "a colour MNIST-M picture (the 5th and 6th examples): DTN, CycleGAN (MNIST-M → MNIST) and "
                      "StarGAN take it.",
           "printed": "a typeset digit, dark ink on light paper (the last two examples): only StarGAN takes it."},
    description="Draw or upload one digit and watch every translator redraw it at once. Under each output: "
                "the model and direction, what the target domain's judge reads, and how often the model kept "
                "the digit on that direction's held-out test set (measured by `python -m xmgan.evaluate`). "
                "A wrong reading on one drawing next to a high measured figure is a single miss; a low measured "
                "figure says the model often fails there.",
    examples=("examples/mnist/3.png", "examples/mnist/7.png", "examples/usps/2.png", "examples/usps/9.png",
              "examples/mnist_m/5.png", "examples/mnist_m/0.png", "examples/printed/2.png", "examples/printed/8.png"),
)
