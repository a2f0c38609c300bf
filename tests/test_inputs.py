"""Bad input from a user gets an XmganError with a sentence, never a crash."""
import numpy as np
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


def test_image_size_is_checked_from_the_header(tmp_path):
    """A picture too large is refused before its pixels are decoded: a file whose header says 7000x7000
    but holds no pixel data at all still gets the 'too large' sentence, not 'damaged'."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (7000, 7000)).save(buf, format="PNG")
    (tmp_path / "huge.png").write_bytes(buf.getvalue()[:200])  # signature + IHDR, no image data
    with pytest.raises(xmgan.XmganError, match="7000x7000 pixels; please use one under 6000x6000"):
        xmgan.images.open_image(tmp_path / "huge.png")
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(xmgan.XmganError, match="not an image this app can read"):
        xmgan.images.for_canvas(tmp_path / "notes.png")


def test_upload_for_the_canvas_is_shrunk():
    from conftest import ROOT

    picture = xmgan.images.for_canvas(ROOT / "examples" / "mnist_m" / "3.png", side=64)
    assert picture.dtype == np.uint8 and picture.shape[2] == 4 and max(picture.shape[:2]) <= 64


def test_readable_metrics_names_units_and_goals():
    from xmgan.readable import human_name, readable_metrics

    metrics = {"usps2mnist": {"accuracy": 0.9671, "goals": {"accuracy": 0.97, "fd_ratio_max": 30.0},
                              "goals_met": {"accuracy": False}, "fd_ratio": 12.5, "n_test": 2007,
                              "accuracy_judge_b": 0.9681, "brand_new_key_db": 1.25},
               "mnist_m2mnist": {"accuracy": 0.9513, "goals": {"accuracy": 0.95}}}
    text = readable_metrics(metrics)
    assert "USPS → MNIST" in text and "MNIST-M → MNIST" in text
    assert "missed by 0.29 points (≥ 97%)" in text and "met (≥ 95%)" in text and "met (≤ 30)" in text
    assert "Judge accuracy, judge set B | 96.81%" in text
    assert "1.25 dB" in text and "brand_new_key" not in text and "n_test" not in text and "2007" not in text
    assert human_name("fd_ratio_untranslated").endswith("(baseline)")


def test_readable_metrics_many_directions_and_per_direction_dicts():
    from xmgan.readable import readable_metrics

    domains = ("mnist", "usps", "printed")
    many = {f"{a}2{b}": {"accuracy": 0.5, "goals": {"accuracy": 0.9}} for a in domains for b in domains if a != b}
    many["usps2mnist"]["accuracy"] = 0.95
    text = readable_metrics(many)  # six directions: one wide table, a row each
    assert text.count("\n| **") == 6 and "USPS → MNIST** | 95.00% ✓" in text and "✗ missed by 40.00 points" in text
    vc = {"vcc2016": {"mcd_db": {"SF1→TM1": 9.0, "TM1→SF1": 8.5}, "mean_mcd_db": 8.75}}
    text = readable_metrics(vc)
    assert "| SF1→TM1 | 9 dB |" in text and "| TM1→SF1 | 8.5 dB |" in text and "(mean) | 8.75 dB" in text
