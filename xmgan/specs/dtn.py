"""What the app shows of the Domain Transfer Network (its tab); the model itself is xmgan/models/dtn.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

SPEC = ModelSpec(
    id="dtn",
    tab="DTN",
    title="Domain Transfer Network — MNIST-M / USPS → MNIST",
    paper="Taigman, Polyak & Wolf, Unsupervised Cross-Domain Image Generation, ICLR 2017",
    paper_url="https://arxiv.org/abs/1611.02200",
    task="image->image",
    variants=("mnist_m2mnist", "usps2mnist"),
    variant_label="Task",
    actions=(Action("translate", "Translate", ("variant", "image"), ("gallery",),
                    ("Your input as the model sees it, and its MNIST-style translation",)),),
    hints={"mnist_m2mnist": "a colour MNIST-M picture: a digit cut out of a photo and coloured by it (the first "
                            "four examples). The whole picture is used, cropped to a square. A black-on-white "
                            "drawing is not what this task was trained on; for drawings pick usps2mnist.",
           "usps2mnist": "a handwritten digit: draw one with the mouse, upload a photo of one, or click one of "
                         "the last four examples (USPS). It is centred and fitted to a box, as USPS and MNIST "
                         "digits are, and shown below as the model sees it: light ink on black."},
    description="Give a digit from the source domain (a colour MNIST-M picture, or a USPS-style digit): a "
                "frozen digit classifier f reads it and a generator redraws it as an MNIST digit, trained "
                "without any paired examples. The MNIST judge reads the input and the translation.",
    examples=("examples/mnist_m/3.png", "examples/mnist_m/7.png", "examples/mnist_m/0.png", "examples/mnist_m/5.png",
              "examples/usps/3.png", "examples/usps/7.png", "examples/usps/2.png", "examples/usps/9.png"),
)
