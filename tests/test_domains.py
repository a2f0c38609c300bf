"""The four digit domains of CycleGAN/StarGAN: one shared 32x32 layout, undone for each judge, and the
rendered printed-digit domain."""
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT
from xmgan.data import DOMAINS, load_images
from xmgan.domains import domain_split, for_judge, load_frames, to_frame, user_frame

sys.path.insert(0, str(ROOT / "train"))
import make_printed_digits  # noqa: E402


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_domain_lands_in_the_shared_layout(domain):
    x, y = load_frames(domain, "test", 3)
    assert x.shape[1:] == (3, 32, 32) and len(x) == len(y) and -1 <= x.min() and x.max() <= 1
    assert to_frame(load_images(domain, "test").x[:4], domain, 1).shape == (4, 1, 32, 32)


def test_for_judge_undoes_the_layout_of_grey_domains():
    raw = load_images("mnist", "test").x[:8]
    framed = to_frame(raw, "mnist", 3)
    back = for_judge(framed, "mnist")  # 28x28 grey: exactly the original MNIST image
    assert back.shape == (8, 1, 28, 28)
    assert np.allclose((back[:, 0].numpy() + 1) * 127.5, raw, atol=0.51)
    assert for_judge(to_frame(load_images("usps", "test").x[:2], "usps"), "usps").shape == (2, 1, 20, 20)


def test_user_pictures_are_laid_out_as_the_chosen_domain():
    for domain, example in (("mnist", "mnist/3.png"), ("usps", "usps/7.png"), ("mnist_m", "mnist_m/5.png"),
                            ("printed", "printed/2.png")):
        x = user_frame(str(ROOT / "examples" / example), domain, 3)
        assert x.shape == (3, 32, 32) and x.dtype == np.float32
    grey = user_frame(str(ROOT / "examples" / "mnist" / "3.png"), "mnist", 1)
    assert grey[:, :2].max() == -1.0  # the 2 px MNIST padding is background


def test_domain_split_labels_each_domain():
    x, y = domain_split("test", per_domain=5)
    assert x.shape == (20, 3, 32, 32) and torch.equal(y, torch.arange(4).repeat_interleave(5))


def test_printed_digits_are_deterministic_and_balanced():
    fonts = make_printed_digits.font_paths()
    assert len(fonts) >= 10  # the fonts matplotlib ships
    a, ya = make_printed_digits.make_split("test", 40, seed=3, fonts=fonts)
    b, yb = make_printed_digits.make_split("test", 40, seed=3, fonts=fonts)
    c, _ = make_printed_digits.make_split("test", 40, seed=4, fonts=fonts)
    assert np.array_equal(a, b) and np.array_equal(ya, yb) and not np.array_equal(a, c)
    assert np.bincount(ya, minlength=10).tolist() == [4] * 10
    assert a.shape == (40, 32, 32, 3) and a.dtype == np.uint8
    # ink is darker than paper: the centre of every image holds darker pixels than its border
    border = np.concatenate([a[:, 0], a[:, -1]], 1).mean((1, 2))
    assert (a.reshape(40, -1, 3).mean(-1).min(1) < border - 60).all()
