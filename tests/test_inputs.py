"""Bad input from a user gets an XmganError with a sentence, never a crash."""
import pytest

import xmgan


@pytest.fixture(scope="module")
def cgan():
    return xmgan.load("cgan")


@pytest.mark.parametrize("seed", [-1, 2**31, 1.5, "abc", None, float("nan")])
def test_bad_seed(cgan, seed):
    with pytest.raises(xmgan.XmganError, match="Seed must be a whole number"):
        cgan.generate(label=1, seed=seed, count=2)


@pytest.mark.parametrize("count", [0, -3, 65, 10**9, "many"])
def test_bad_count(cgan, count):
    with pytest.raises(xmgan.XmganError, match="Count must be"):
        cgan.generate(label=1, seed=0, count=count)


@pytest.mark.parametrize("label", [10, -1, "cat", "Sneaker"])
def test_bad_label_for_mnist(cgan, label):
    with pytest.raises(xmgan.XmganError, match="Class must be one of 0, 1"):
        cgan.generate(label=label, variant="mnist")


def test_class_by_name_for_fashion(cgan):
    out = cgan.generate(label="Sneaker", seed=0, count=2, variant="fashion")
    assert len(out) == 2


def test_unknown_variant(cgan):
    with pytest.raises(xmgan.XmganError, match="no variant 'svhn'"):
        cgan.generate(label=1, variant="svhn")


def test_interpolation_steps_bounds():
    gan = xmgan.load("gan")
    with pytest.raises(xmgan.XmganError, match="Steps must be between 2 and 32"):
        gan.interpolate(0, 1, steps=1)


def test_translation_models_reject_bad_pickers():
    from conftest import ROOT

    example = str(ROOT / "examples" / "mnist" / "3.png")
    with pytest.raises(xmgan.XmganError, match="Direction must be one of"):
        xmgan.load("cyclegan").translate(image=example, direction="sideways", variant="usps_mnist")
    with pytest.raises(xmgan.XmganError, match="Unknown domain 'svhn'"):
        xmgan.load("stargan").translate_all(image=example, source="svhn")
    with pytest.raises(xmgan.XmganError, match="canvas is empty"):
        xmgan.load("stargan").translate_all(image={"composite": None, "background": None}, source="mnist")
