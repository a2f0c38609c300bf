"""Render the "printed digits" domain: digits 0-9 typeset in the TrueType fonts that matplotlib ships
(so every install has them), as coloured ink on light paper, 32x32 RGB, the layout of MNIST-M.

    python train/make_printed_digits.py                 # -> $XMGAN_CACHE/printed.npz (~/.cache/xmgan)
    python train/make_printed_digits.py --out DIR       # or into a data folder of your choice

Deterministic: image i of a split depends only on (--seed, split, i). What varies, drawn uniformly:
- typeface: 14 faces from matplotlib's mpl-data/fonts/ttf (listed in FONTS: DejaVu Sans / Serif / Mono
  in regular, bold and oblique/italic, STIX General regular / bold / italic, Computer Modern roman,
  sans and typewriter); a font whose file is missing is skipped, and the list in use is saved in the npz;
- size: the digit's height is 15-23 px of the 32 px frame (MNIST's digits are about 20 px);
- ink: one of 8 dark colours (black, navy, dark red, dark green, purple, brown, slate, teal) with a small
  random tint; paper: light, white to cream to pale grey;
- pose: rotation up to +-12 degrees, offset up to +-2.5 px from the centre;
- rendering: drawn at 4x and downsampled with a box filter (anti-aliased edges, as print scanned).
Splits: 60,000 train and 10,000 test images, labels balanced (i mod 10, then shuffled by the seed).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf",
         "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
         "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf"]
INKS = np.array([(20, 20, 20), (25, 35, 110), (130, 20, 25), (20, 95, 40), (90, 30, 110), (100, 60, 25),
                 (55, 65, 80), (15, 95, 100)], dtype=np.float64)
SIZE, SCALE = 32, 4
COUNTS = {"train": 60_000, "test": 10_000}


def font_paths() -> list[Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [folder / f for f in FONTS if (folder / f).is_file()]


def render(digit: int, font: ImageFont.FreeTypeFont, rng: np.random.Generator) -> np.ndarray:
    """One (32, 32, 3) uint8 image of `digit` with a random size, ink, paper and pose."""
    big = SIZE * SCALE
    ink = np.clip(INKS[rng.integers(len(INKS))] + rng.normal(0, 12, 3), 0, 255)
    paper = np.clip(np.array([250, 248, 240]) - rng.uniform(0, 25) - rng.uniform(0, 12, 3) * [0, 0.3, 1], 0, 255)
    # Draw the glyph as a mask, then scale the mask so the digit's ink is the chosen height.
    mask = Image.new("L", (2 * big, 2 * big), 0)
    ImageDraw.Draw(mask).text((big, big), str(digit), fill=255, font=font, anchor="mm")
    box = mask.getbbox()
    glyph = mask.crop(box)
    height = rng.uniform(15, 23) * SCALE
    w = max(1, round(glyph.width * height / glyph.height))
    glyph = glyph.resize((w, round(height)), Image.BICUBIC)
    glyph = glyph.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC, expand=True)
    canvas = Image.new("L", (big, big), 0)
    dx, dy = rng.uniform(-2.5, 2.5, 2) * SCALE
    canvas.paste(glyph, (round((big - glyph.width) / 2 + dx), round((big - glyph.height) / 2 + dy)), glyph)
    alpha = np.asarray(canvas.resize((SIZE, SIZE), Image.BOX), dtype=np.float64)[..., None] / 255.0
    return np.round(paper * (1 - alpha) + ink * alpha).astype(np.uint8)


def make_split(split: str, n: int, seed: int, fonts: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    labels = rng.permutation(np.arange(n) % 10)
    faces = {}
    x = np.empty((n, SIZE, SIZE, 3), dtype=np.uint8)
    for i, digit in enumerate(labels):
        path = fonts[rng.integers(len(fonts))]
        if path not in faces:
            faces[path] = ImageFont.truetype(str(path), size=40 * SCALE)
        x[i] = render(int(digit), faces[path], rng)
    return x, labels.astype(np.int64)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path(os.environ.get("XMGAN_CACHE", Path.home() / ".cache" / "xmgan")))
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--train", type=int, default=COUNTS["train"])
    p.add_argument("--test", type=int, default=COUNTS["test"])
    args = p.parse_args()
    fonts = font_paths()
    if not fonts:
        raise SystemExit("matplotlib's fonts were not found; is matplotlib installed?")
    x_train, y_train = make_split("train", args.train, args.seed, fonts)
    x_test, y_test = make_split("test", args.test, args.seed, fonts)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "printed.npz"
    np.savez_compressed(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
                        fonts=np.array([f.name for f in fonts]), seed=args.seed)
    print(f"{path}: {len(y_train)} train + {len(y_test)} test images, {len(fonts)} fonts")


if __name__ == "__main__":
    main()
