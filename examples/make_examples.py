"""Write the clickable example images of the app: the first test image of each class per domain, as PNG.

    XMGAN_DATA=../shared/data python examples/make_examples.py   # after train/make_printed_digits.py
Files: examples/<domain>/<class>.png (native size; the pipelines normalise any input image anyway).
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xmgan.data import load_images  # noqa: E402

HERE = Path(__file__).parent

if __name__ == "__main__":
    for domain in ("mnist", "usps", "mnist_m", "fashion", "printed"):  # printed: train/make_printed_digits.py first
        test = load_images(domain, "test")
        (HERE / domain).mkdir(exist_ok=True)
        for c in range(10):
            i = int(np.flatnonzero(test.y == c)[0])
            Image.fromarray(test.x[i]).save(HERE / domain / f"{c}.png")
        print(domain, "written")
