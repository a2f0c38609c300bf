"""User images: any size, colour or grey, inverted or not, become MNIST-like inputs; bad ones get a sentence."""
import numpy as np
import pytest
from PIL import Image

from xmgan.data import load_images
from xmgan.errors import BadInput
from xmgan.images import digit_like_mnist, photo_like


@pytest.fixture(scope="module")
def digit():
    s = load_images("mnist", "test")
    return s.x[0], int(s.y[0])


def judge_reads(x: np.ndarray) -> int:
    import torch

    from xmgan.judges import get_judges

    return int(get_judges()["mnist"](torch.from_numpy(x[None])).argmax())


def test_black_on_white_large_rgb_upload_reads_like_the_original(digit, tmp_path):
    img, label = digit
    big = Image.fromarray(255 - img).resize((600, 600), Image.BICUBIC).convert("RGB")  # dark ink, paper
    big.save(tmp_path / "upload.jpg")
    x = digit_like_mnist(str(tmp_path / "upload.jpg"))
    assert x.shape == (1, 28, 28) and x.min() >= -1 and x.max() <= 1
    assert judge_reads(x) == label


def test_sketchpad_dict_with_transparent_background(digit):
    img, label = digit
    rgba = np.zeros((280, 280, 4), np.uint8)
    ink = np.asarray(Image.fromarray(img).resize((280, 280))) > 100
    rgba[ink] = (0, 0, 0, 255)  # black brush strokes on a transparent canvas
    assert judge_reads(digit_like_mnist({"composite": rgba, "layers": [], "background": None})) == label


@pytest.mark.parametrize("bad,message", [
    (None, "No image"),
    ({"composite": None, "background": None, "layers": []}, "canvas is empty"),
    ({"composite": np.zeros((280, 280, 4), np.uint8)}, "looks blank"),
    (np.full((50, 50, 3), 200, np.uint8), "looks blank"),
    (np.zeros((7000, 7000), np.uint8), "under 6000x6000"),
    (np.zeros((5, 5, 7), np.uint8), "must be \\(H, W\\)"),
    ("no/such/file.png", "was not found"),
    (42, "Expected an image"),
])
def test_bad_images_get_a_sentence(bad, message):
    with pytest.raises(BadInput, match=message):
        digit_like_mnist(bad)


def test_wrong_file_type(tmp_path):
    (tmp_path / "notes.png").write_text("this is text, not a picture")
    with pytest.raises(BadInput, match="not an image this app can read"):
        digit_like_mnist(str(tmp_path / "notes.png"))


def test_photo_like_crops_and_rejects_flat_colour():
    rng = np.random.default_rng(0)
    x = photo_like(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8), size=32)
    assert x.shape == (3, 32, 32)
    with pytest.raises(BadInput, match="single flat colour"):
        photo_like(np.full((40, 40, 3), 99, np.uint8))
