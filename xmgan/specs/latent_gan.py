"""What the app shows of the latent-space GAN (its tab); the model itself is xmgan/models/latent_gan.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

# variant -> (source domain, target domain, number of source classes, target class = source class + offset)
TASKS = {
    "mnist_0to5": dict(source="mnist", target="mnist", n_classes=5, offset=5),
    "mnist2fashion": dict(source="mnist", target="fashion", n_classes=10, offset=0),
    "usps2mnist": dict(source="usps", target="mnist", n_classes=10, offset=0),
}

SPEC = ModelSpec(
    id="latent_gan",
    tab="Latent-space GAN",
    title="Latent-space GAN — cross-domain translation",
    paper="Lu, Cross Domain Image Generation through Latent Space Exploration with Adversarial Loss, 2018",
    paper_url="https://arxiv.org/abs/1805.10130",
    task="image->image",
    variants=tuple(TASKS),
    variant_label="Task",
    actions=(Action("translate", "Translate", ("variant", "image", "seed", "count"), ("gallery", "plot"),
                    ("Your input as the model sees it, its VAE reconstruction, then one translation per noise draw",
                     "Both latent spaces (PCA): your input's code and its mapped codes")),),
    hints={"mnist_0to5": "a handwritten digit from 0 to 4: draw one or click an MNIST example. It is centred "
                         "and fitted to a box as MNIST digits are; the translation is the digit plus 5.",
           "mnist2fashion": "a handwritten digit: draw one or click an MNIST example; digit i becomes "
                            "Fashion-MNIST class i (0 T-shirt, 1 trouser, ... 9 ankle boot).",
           "usps2mnist": "a handwritten digit: draw one or click a USPS example (the last three); it is "
                         "framed as USPS digits are and redrawn in MNIST's style."},
    examples=("examples/mnist/3.png", "examples/mnist/0.png", "examples/mnist/4.png", "examples/mnist/7.png",
              "examples/usps/2.png", "examples/usps/5.png", "examples/usps/9.png"),
    description="Draw a digit: a VAE encodes it, a small network maps its code into the other domain's VAE "
                "latent space (one output per noise draw), and that VAE decodes it. Tasks: MNIST 0-4 -> 5-9 "
                "(i -> i+5), MNIST -> Fashion-MNIST (class i -> class i), USPS -> MNIST. The plot shows both "
                "latent spaces (PCA) with your input and its mapped codes.",
)
