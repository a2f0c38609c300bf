"""What the app shows of the GAN (DCGAN) (its tab); the model itself is xmgan/models/gan.py."""
from __future__ import annotations

from ..registry import Action, ModelSpec

SPEC = ModelSpec(
    id="gan",
    tab="GAN",
    title="GAN (DCGAN) — MNIST",
    paper="Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014; Radford et al., DCGAN, ICLR 2016",
    paper_url="https://arxiv.org/abs/1406.2661",
    task="sample",
    variants=("mnist",),
    actions=(
        Action("sample", "Sample", ("variant", "seed", "count"), ("gallery",),
               ("Generated digits, each with the MNIST judge's reading",)),
        Action("interpolate", "Interpolate", ("variant", "seed", "seed_b", "steps"), ("image",),
               ("From the first seed's digit (left) to the second seed's (right)",)),
        Action("walk", "Latent walk (animation)", ("variant", "seed", "seed_b"), ("animation",),
               ("An animated walk from the first seed's digit to the second's and back, with the judge's reading",)),
    ),
    description="Noise in, digit out: the generator never sees a label. Each seed is one draw of z; "
                "interpolation walks a great circle in z between two seeds. The sampler keeps the draws the GAN's own "
                "discriminator scores at least as real as 99% of the training digits (about 92% of them).",
)
