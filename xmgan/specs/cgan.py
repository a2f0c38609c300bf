"""What the app shows of the conditional GAN (its tab); the model itself is xmgan/models/cgan.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

SPEC = ModelSpec(
    id="cgan",
    tab="Conditional GAN",
    title="Conditional GAN — MNIST / Fashion-MNIST",
    paper="Mirza & Osindero, Conditional Generative Adversarial Nets, 2014",
    paper_url="https://arxiv.org/abs/1411.1784",
    task="sample",
    variants=("mnist", "fashion"),
    actions=(
        Action("generate", "Generate", ("variant", "label", "seed", "count"), ("gallery",),
               ("Generated images of the chosen class, each with the judge's reading",)),
        Action("class_grid", "Grid of all classes", ("variant", "seed"), ("image",),
               ("One row per class, in class order",)),
        Action("walk", "Class walk (animation)", ("variant", "label", "label_b", "seed"), ("animation",),
               ("An animated walk from the first class to the second and back (same noise), with the judge's reading",)),
    ),
    description="Pick a class: the label is fed to both the generator and the discriminator, so the "
                "generator learns p(x | y). The judge below each image says what it sees.",
)
