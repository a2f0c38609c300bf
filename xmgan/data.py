"""Datasets as plain numpy arrays.

Looks first in the folder named by `$XMGAN_DATA` (the npz files described in its README.md:
`x_train, y_train, x_test, y_test`, uint8 images, white ink on black), then, where the web is reachable,
downloads with torchvision (MNIST, FashionMNIST, USPS, SVHN) into `$XMGAN_CACHE` (default
`~/.cache/xmgan`). A missing dataset raises `DataNotFound` with one sentence that says what to do.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataNotFound, XmganError

log = logging.getLogger(__name__)

IMAGE_DATASETS = {
    # name: (npz file, torchvision class or None, classes)
    "mnist": ("mnist.npz", "MNIST"),
    "fashion": ("fashion_mnist.npz", "FashionMNIST"),
    "usps": ("usps.npz", "USPS"),
    "mnist_m": ("mnist_m.npz", None),
    "svhn": (None, "SVHN"),
    # rendered by this project (train/make_printed_digits.py) into $XMGAN_CACHE or the data folder
    "printed": ("printed.npz", None),
}
DOMAINS = ("mnist", "usps", "mnist_m", "printed")  # StarGAN's four digit domains, and the domain judge's classes
GREY = ("mnist", "usps")  # the grey handwriting domains: a drawing is framed alike as either (xmgan.domains)
VCC2016_SPEAKERS = ("SF1", "SF2", "TM1", "TM2")  # the four speakers of vcc2016.npz the converters use

CLASS_NAMES = {
    "domain": ["MNIST", "USPS", "MNIST-M", "printed"],
    "fashion": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
}
DIGITS = [str(i) for i in range(10)]


def class_names(dataset: str) -> list[str]:
    return CLASS_NAMES.get(dataset, DIGITS)


@dataclass
class Split:
    x: np.ndarray  # (N, H, W) or (N, H, W, 3) uint8
    y: np.ndarray  # (N,) int64

    def __len__(self) -> int:
        return len(self.y)


def data_dir() -> Path | None:
    """The folder of npz files: $XMGAN_DATA, else ../shared/data beside the repository if it exists."""
    env = os.environ.get("XMGAN_DATA")
    if env:
        return Path(env)
    guess = Path(__file__).resolve().parents[2] / "shared" / "data"
    return guess if guess.is_dir() else None


def load_images(name: str, split: str = "train") -> Split:
    """`load_images("mnist", "test")` -> Split(x uint8, y int64)."""
    if name not in IMAGE_DATASETS:
        raise XmganError(f"Unknown dataset {name!r}; known: {', '.join(IMAGE_DATASETS)}.")
    if split not in ("train", "test"):
        raise XmganError(f"Split must be 'train' or 'test', not {split!r}.")
    npz, tv_name = IMAGE_DATASETS[name]
    folder = data_dir()
    for where in (folder, cache_dir()):
        if npz and where and (where / npz).is_file():
            with np.load(where / npz) as z:
                return Split(z[f"x_{split}"], z[f"y_{split}"].astype(np.int64))
    if tv_name:
        try:
            return _torchvision(tv_name, split)
        except Exception as e:  # no network, or torchvision refused
            log.info("torchvision download of %s failed: %s", tv_name, e)
    where = f"{folder}/{npz}" if folder and npz else "$XMGAN_DATA"
    if name == "printed":
        raise DataNotFound(f"The printed digits are not rendered yet: run `python train/make_printed_digits.py` "
                           f"(it writes {cache_dir() / npz}).")
    raise DataNotFound(
        f"Dataset {name!r} was not found at {where} and could not be downloaded; "
        f"set XMGAN_DATA to the folder holding {npz or 'it'} (see README, 'Data')."
    )


def cache_dir() -> Path:
    """Downloads and rendered datasets: $XMGAN_CACHE, default ~/.cache/xmgan."""
    return Path(os.environ.get("XMGAN_CACHE", Path.home() / ".cache" / "xmgan"))


def _torchvision(tv_name: str, split: str) -> Split:
    import torchvision

    root = cache_dir()
    cls = getattr(torchvision.datasets, tv_name)
    if tv_name == "SVHN":
        ds = cls(root, split=split, download=True)
        x = np.transpose(ds.data, (0, 2, 3, 1))  # (N, 3, 32, 32) -> (N, 32, 32, 3)
        return Split(np.ascontiguousarray(x), np.asarray(ds.labels, dtype=np.int64))
    ds = cls(root, train=(split == "train"), download=True)
    x = ds.data.numpy() if hasattr(ds.data, "numpy") else np.asarray(ds.data)
    return Split(x.astype(np.uint8), np.asarray(ds.targets, dtype=np.int64))


SPEECH_DATASETS = {"fsdd": "fsdd.npz", "vcc2016": "vcc2016.npz"}  # layout: ../shared/data/SPEECH.md


@dataclass
class Speech:
    """One speech corpus: utterance i is `wavs[i]` (float32 in [-1, 1] at `sr`); per-utterance arrays
    `speaker` (index into `speakers`), `split` ("train"/"test"/"eval"), and `extra` (e.g. fsdd "digit",
    "take"; vcc2016 "utt")."""
    wavs: list[np.ndarray]
    speaker: np.ndarray
    speakers: list[str]
    split: np.ndarray
    sr: int
    extra: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.wavs)

    def where(self, split: str | None = None, speaker: str | None = None) -> np.ndarray:
        """Indices of the utterances of one split and/or one speaker (by name)."""
        keep = np.ones(len(self), dtype=bool)
        if split is not None:
            keep &= self.split == split
        if speaker is not None:
            if speaker not in self.speakers:
                raise XmganError(f"Unknown speaker {speaker!r}; known: {', '.join(self.speakers)}.")
            keep &= self.speaker == self.speakers.index(speaker)
        return np.flatnonzero(keep)


def load_speech(name: str) -> Speech:
    """`load_speech("fsdd")` or `load_speech("vcc2016")` from the npz folder ($XMGAN_DATA)."""
    if name not in SPEECH_DATASETS:
        raise XmganError(f"Unknown speech dataset {name!r}; known: {', '.join(SPEECH_DATASETS)}.")
    folder = data_dir()
    path = folder / SPEECH_DATASETS[name] if folder else None
    if path is None or not path.is_file():
        raise DataNotFound(f"Speech dataset {name!r} was not found at {path or '$XMGAN_DATA'}; set XMGAN_DATA to "
                           f"the folder holding {SPEECH_DATASETS[name]} (see README, 'Data').")
    with np.load(path) as z:
        samples, off = z["samples"], z["offsets"]
        wavs = [samples[off[i]:off[i + 1]].astype(np.float32) / 32768.0 for i in range(len(off) - 1)]
        core = {"samples", "offsets", "speaker", "speakers", "split", "sr"}
        extra = {k: z[k] for k in z.files if k not in core}
        return Speech(wavs, z["speaker"].astype(np.int64), [str(s) for s in z["speakers"]],
                      z["split"].astype(str), int(z["sr"]), extra)


def to_float(x: np.ndarray) -> np.ndarray:
    """uint8 images -> float32 in [-1, 1], channels first: (N, H, W[, C]) -> (N, C, H, W)."""
    f = x.astype(np.float32) / 127.5 - 1.0
    return f[:, None] if f.ndim == 3 else np.transpose(f, (0, 3, 1, 2))


def to_uint8(x: np.ndarray) -> np.ndarray:
    """float images in [-1, 1], (N, C, H, W) -> uint8 (N, H, W) for C=1 or (N, H, W, 3)."""
    u = np.clip((x + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return u[:, 0] if u.shape[1] == 1 else np.transpose(u, (0, 2, 3, 1))
