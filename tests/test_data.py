import numpy as np
import pytest

from xmgan import data
from xmgan.errors import DataNotFound, XmganError


def test_fixture_mnist_loads_as_uint8_with_labels():
    s = data.load_images("mnist", "test")
    assert s.x.dtype == np.uint8 and s.x.shape[1:] == (28, 28) and len(s.x) == len(s.y)
    assert set(np.unique(s.y)) <= set(range(10))


def test_missing_dataset_gives_one_sentence(tmp_path, monkeypatch, no_torchvision_download):
    monkeypatch.setenv("XMGAN_DATA", str(tmp_path))
    with pytest.raises(DataNotFound, match=r"'usps' was not found at .*usps\.npz.*set XMGAN_DATA"):
        data.load_images("usps", "train")


def test_unknown_dataset_and_split():
    with pytest.raises(XmganError, match="Unknown dataset 'cifar'"):
        data.load_images("cifar")
    with pytest.raises(XmganError, match="Split must be"):
        data.load_images("mnist", "valid")


def test_float_round_trip_grey_and_colour():
    rng = np.random.default_rng(0)
    for shape in [(3, 28, 28), (2, 32, 32, 3)]:
        x = rng.integers(0, 256, shape, dtype=np.uint8)
        f = data.to_float(x)
        assert f.min() >= -1 and f.max() <= 1 and f.shape[1] in (1, 3)
        assert np.array_equal(data.to_uint8(f), x)
