"""The four digit domains of the translation models (CycleGAN, StarGAN) in one shared layout: 32x32,
[-1, 1], the layout of MNIST-M (whose image i is MNIST image i, padded by 2 px, on a photo patch).

- mnist: 28x28 grey, padded by 2 px with background;
- usps: 16x16 grey digits fill their frame, so they are resized to MNIST's 20 px digit box and padded
  by 6 px (the same digit size and frame as padded MNIST);
- mnist_m: 32x32 colour as it is;
- printed: 32x32 colour, rendered by train/make_printed_digits.py (coloured ink on light paper).
Grey domains are replicated to 3 channels where a model works in colour. `for_judge` undoes the layout
for each domain's judge (xmgan.judges), and `user_frame` lays out a user's picture as a domain.
"""
from __future__ import annotations

import numpy as np
import torch

from .data import DOMAINS, GREY, load_images, to_float
from .errors import XmganError
from .images import digit_like_mnist, photo_like
from .layers import frame_digits

SIZE = 32
DIGIT_BOX = 20
NAMES = {"mnist": "MNIST", "usps": "USPS", "mnist_m": "MNIST-M", "printed": "printed"}


def check(domain: str) -> str:
    if domain not in DOMAINS:
        raise XmganError(f"Unknown domain {domain!r}; choose one of {', '.join(DOMAINS)}.")
    return domain


def with_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, 1 or 3, H, W) -> (N, channels, H, W): grey replicated, or colour averaged to grey."""
    if x.shape[1] == channels:
        return x
    return x.expand(-1, channels, -1, -1) if x.shape[1] == 1 else x.mean(1, keepdim=True)


def to_frame(x: np.ndarray, domain: str, channels: int = 3) -> torch.Tensor:
    """uint8 images of one domain, (N, H, W[, 3]) -> float (N, channels, 32, 32) in [-1, 1]."""
    t = torch.from_numpy(to_float(x))
    if check(domain) == "usps":
        t = frame_digits(t, SIZE, box=DIGIT_BOX)
    elif t.shape[-1] < SIZE:
        t = frame_digits(t, SIZE)
    return with_channels(t, channels).contiguous()


def load_frames(domain: str, split: str, channels: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (N, channels, 32, 32), labels (N,)) of a domain's split in the shared layout."""
    s = load_images(domain, split)
    return to_frame(s.x, domain, channels), torch.from_numpy(s.y)


def for_judge(x: torch.Tensor | np.ndarray, domain: str) -> torch.Tensor:
    """Images in the shared layout -> what the domain's judge was trained on: MNIST's 28 px frame, USPS's
    digit box (the judge resizes it to 16 px), the colour domains at 32."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if check(domain) == "mnist":
        return x[..., 2:-2, 2:-2].mean(1, keepdim=True)
    if domain == "usps":
        lo = (SIZE - DIGIT_BOX) // 2
        return x[..., lo:lo + DIGIT_BOX, lo:lo + DIGIT_BOX].mean(1, keepdim=True)
    return with_channels(x, 3)


def user_frame(image, domain: str, channels: int = 3) -> np.ndarray:
    """Any user picture -> (channels, 32, 32) float32 laid out as `domain`: handwriting the MNIST way
    (ink centred in a 20 px box; USPS's framing is the same), colour domains as the whole picture."""
    if check(domain) in GREY:
        x = digit_like_mnist(image, 28, DIGIT_BOX)  # (1, 28, 28)
        x = np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    else:
        x = photo_like(image, SIZE)
    return with_channels(torch.from_numpy(x)[None], channels)[0].numpy()


def domain_split(split: str, per_domain: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of all four domains in the shared colour layout, labelled by domain index (DOMAINS order):
    the data of the 4-way domain judge. At most `per_domain` images of each (the first ones)."""
    xs, ys = [], []
    for i, domain in enumerate(DOMAINS):
        x, _ = load_frames(domain, split, 3)
        x = x[:per_domain]
        xs.append(x)
        ys.append(torch.full((len(x),), i, dtype=torch.int64))
    return torch.cat(xs), torch.cat(ys)


def drawing_of(digit: np.ndarray, side: int = 280) -> np.ndarray:
    """A grey digit (H, W) uint8, white on black -> what the app's sketchpad hands over when someone draws
    it: a side x side RGBA picture, black ink with round, anti-aliased edges on a transparent canvas."""
    from PIL import Image, ImageFilter

    big = Image.fromarray(digit).resize((side, side), Image.BICUBIC).filter(ImageFilter.GaussianBlur(side / 140))
    ink = np.clip((np.asarray(big, dtype=np.float32) - 60.0) * 2.0, 0, 255).astype(np.uint8)  # firm strokes
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[..., 3] = ink
    return rgba


def drawn_frames(domain: str, n: int = 1000, channels: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    """The drawing path's evaluation set: the first `n` test digits of a handwriting domain (MNIST or USPS)
    drawn as a user would (`drawing_of`) and laid out by the app's own input normalisation (`user_frame`)."""
    if check(domain) not in GREY:
        raise XmganError(f"Only handwriting ({', '.join(GREY)}) can be drawn, not {domain!r}.")
    s = load_images(domain, "test")
    frames = np.stack([user_frame(drawing_of(d), domain, channels) for d in s.x[:n]])
    return torch.from_numpy(frames), torch.from_numpy(s.y[:n])
