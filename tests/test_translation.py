"""The shipped translation models keep *which digit* it is: the property their evaluation measures, here on
the clickable examples (real held-out test images, one per class)."""
from collections import Counter

import pytest

import xmgan
from conftest import ROOT
from xmgan.data import class_names


def verdict(caption: str) -> str:
    return caption.split(" · ")[0]


@pytest.mark.parametrize("variant,source", [("usps2mnist", "usps"), ("mnist_m2mnist", "mnist_m")])
def test_dtn_keeps_the_digit(variant, source):
    dtn = xmgan.load("dtn")
    kept = 0
    for digit in range(10):
        gallery = dtn.translate(variant=variant, image=str(ROOT / "examples" / source / f"{digit}.png"))
        kept += verdict(gallery[-1][1]) == str(digit)
    assert kept >= 8, f"{variant}: {kept}/10 translations read as the source digit"


@pytest.mark.parametrize("variant,source,classes,offset", [
    ("mnist_0to5", "mnist", range(5), 5),
    ("usps2mnist", "usps", range(10), 0),
    ("mnist2fashion", "mnist", range(10), 0),
])
def test_latent_gan_maps_class_i_to_its_partner(variant, source, classes, offset):
    pipe = xmgan.load("latent_gan")
    names = class_names("fashion" if variant == "mnist2fashion" else "mnist")
    kept = 0
    for c in classes:
        gallery, plot = pipe.translate(variant=variant, image=str(ROOT / "examples" / source / f"{c}.png"),
                                       seed=0, count=5)
        samples = [verdict(caption) for _, caption in gallery[2:]]  # after the input and its reconstruction
        kept += Counter(samples).most_common(1)[0][0] == names[c + offset]
        assert plot.ndim == 3 and plot.shape[2] == 3
    assert kept >= len(classes) - 2, f"{variant}: {kept}/{len(classes)} inputs mapped to the partner class"
