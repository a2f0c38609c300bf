"""Turn whatever a user gives (a Sketchpad dict, an upload of any size/colour, a numpy array, a PIL image)
into a model input that looks like the training data: float32 in [-1, 1], (C, S, S).

Digits are normalised the MNIST way: light ink on a dark background (inverted when the border is light),
cropped to the ink's bounding box, scaled so the longer side is 20/28 of the frame, and placed with its
centre of mass at the centre of the frame (as the MNIST images were made). And the way back for display:
`grid` tiles a batch of uint8 images into one picture (pure numpy, so the live tab uses it without torch).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import BadInput

MAX_PIXELS = 40_000_000  # about 6,000 x 6,000: beyond this we refuse rather than risk memory and time
MAX_FILE_BYTES = 25 * 2**20


def open_image(path: str | Path) -> Image.Image:
    """An image file, checked before its pixels are decoded: it exists, is under 25 MB, is a picture PIL
    can read, and its header says at most MAX_PIXELS; then decoded."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"Image file {path.name!r} was not found.")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInput(f"The image file is {path.stat().st_size / 2**20:.0f} MB; please upload one under 25 MB.")
    try:
        img = Image.open(path)  # reads the header only
    except Image.DecompressionBombError:  # PIL's own refusal (over ~179 megapixels), from the header too
        raise BadInput("The image is far too large; please use one under 6000x6000 pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise BadInput(f"{path.name!r} is not an image this app can read; upload a PNG or JPEG.") from None
    check_size(img.width, img.height)
    try:
        img.load()
    except (OSError, ValueError, SyntaxError):
        raise BadInput(f"{path.name!r} is damaged or cut short and cannot be read; upload a PNG or JPEG.") from None
    return img


def check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise BadInput(f"The image is {width}x{height} pixels; please use one under 6000x6000.")


def for_canvas(path: str | Path, side: int = 560) -> np.ndarray:
    """An uploaded picture for the drawing canvas: checked as open_image does, shrunk to fit `side` px,
    RGBA uint8. Big photos are decoded at a reduced scale where the format allows (JPEG draft)."""
    path = Path(path)
    try:
        with Image.open(path) as head:
            check_size(head.width, head.height)
            if head.format == "JPEG":
                head.draft("RGB", (side, side))  # decode at 1/2, 1/4 or 1/8 scale: a 24 MP photo in ~0.1 s
                img = head.convert("RGBA")
            else:
                img = None
    except (UnidentifiedImageError, OSError, ValueError):
        img = None  # open_image below says what is wrong with it
    if img is None:
        img = open_image(path)
        if max(img.size) >= 4 * side and img.mode in ("RGB", "RGBA", "L", "LA"):
            img = img.reduce(max(img.size) // (2 * side))  # box-average first: cheap on big pictures
        img = img.convert("RGBA")
    img.thumbnail((side, side), Image.BILINEAR, reducing_gap=2.0)
    return np.asarray(img)


def to_pil(img) -> Image.Image:
    """Sketchpad/ImageEditor dict, file path, numpy array or PIL image -> PIL image (RGBA kept)."""
    if img is None:
        raise BadInput("No image: draw a digit, upload a picture or click an example first.")
    if isinstance(img, dict) and "path" not in img:  # ImageEditor/Sketchpad value: the drawing is "composite"
        img = img.get("composite") if img.get("composite") is not None else img.get("background")
        if img is None:
            raise BadInput("The canvas is empty: draw a digit or upload a picture first.")
    if isinstance(img, dict) and "path" in img:  # a Gradio FileData (how the API sends a file)
        img = img["path"]
    if isinstance(img, (str, Path)):
        img = open_image(img)
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3) or img.size == 0 or (img.ndim == 3 and img.shape[2] not in (1, 3, 4)):
            raise BadInput(f"An image array must be (H, W), (H, W, 3) or (H, W, 4), not {img.shape}.")
        check_size(img.shape[1], img.shape[0])
        arr = img
        if arr.dtype != np.uint8:
            arr = np.clip(arr * 255 if arr.max() <= 1.0 else arr, 0, 255).astype(np.uint8)
        img = Image.fromarray(arr[..., 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr)
    if not isinstance(img, Image.Image):
        raise BadInput(f"Expected an image, got {type(img).__name__}.")
    check_size(img.width, img.height)
    return img


def flatten_alpha(img: Image.Image) -> Image.Image:
    """Transparent pixels (an untouched Sketchpad canvas) become white paper; the ink stays."""
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        paper = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(paper, img)
    return img.convert("RGB")


def digit_like_mnist(img, size: int = 28, box: int = 20) -> np.ndarray:
    """Any picture of a digit -> (1, size, size) float32 in [-1, 1], white ink on black, centred."""
    grey = np.asarray(flatten_alpha(to_pil(img)).convert("L"), dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    if np.median(border) > 127:  # dark ink on light paper: invert so ink is bright as in MNIST
        grey = 255 - grey
    grey = grey - np.median(border if np.median(border) <= 127 else 255 - border)
    grey = np.clip(grey, 0, None)
    if grey.max() < 25:
        raise BadInput("The image looks blank: no ink stands out from the background.")
    ys, xs = np.nonzero(grey > 0.2 * grey.max())
    crop = grey[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    small = Image.fromarray((crop / crop.max() * 255).astype(np.uint8)).resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)
    # As MNIST was made: the box-fitted digit is placed so that its centre of mass is the frame's centre.
    digit = np.asarray(small, dtype=np.float32)
    sh, sw = digit.shape
    ys, xs = np.mgrid[0:sh, 0:sw]
    cy, cx = (ys * digit).sum() / digit.sum(), (xs * digit).sum() / digit.sum()
    top = int(np.clip(round(size / 2 - cy), 0, size - sh))
    left = int(np.clip(round(size / 2 - cx), 0, size - sw))
    out = np.zeros((size, size), dtype=np.float32)
    out[top:top + sh, left:left + sw] = digit
    return (out / 127.5 - 1.0)[None]


def photo_like(img, size: int = 32) -> np.ndarray:
    """Any colour picture -> (3, size, size) float32 in [-1, 1]: centre square crop, resize. For domains
    such as MNIST-M where the background is part of the image."""
    rgb = flatten_alpha(to_pil(img))
    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    rgb = rgb.crop((left, top, left + side, top + side)).resize((size, size), Image.BILINEAR)
    arr = np.asarray(rgb, dtype=np.float32)
    if arr.std() < 2:
        raise BadInput("The image is a single flat colour: there is nothing to translate.")
    return np.transpose(arr / 127.5 - 1.0, (2, 0, 1))


def grid(images: np.ndarray, nrow: int, pad: int = 2) -> np.ndarray:
    """(N, H, W[, 3]) uint8 -> one tiled image with `nrow` images per row and dark gutters."""
    n, h, w = images.shape[:3]
    ncol = nrow
    rows = (n + ncol - 1) // ncol
    shape = (rows * (h + pad) + pad, ncol * (w + pad) + pad) + images.shape[3:]
    out = np.full(shape, 40, dtype=np.uint8)
    for i, im in enumerate(images):
        r, c = divmod(i, ncol)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im
    return out
