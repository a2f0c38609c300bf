"""xmgan.plots: every figure is drawn there, to uint8 RGB, the same pixels for the same input."""
import ast

import numpy as np

from conftest import ROOT
from xmgan import plots


def test_only_plots_draws_with_matplotlib():
    def imports_matplotlib(path):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "matplotlib" for n in names):
                return True
        return False

    users = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "xmgan").rglob("*.py")
                   if p.name != "plots.py" and imports_matplotlib(p))
    assert users == [], users


def test_figures_are_rgb_and_deterministic():
    wav = np.random.default_rng(0).normal(size=8000) * 0.1
    a = plots.spectrogram_image([("a", wav), ("b", wav[::-1])], 8000)
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    assert np.array_equal(a, plots.spectrogram_image([("a", wav), ("b", wav[::-1])], 8000))
    mel = np.linspace(-1, 1, 32 * 64).reshape(1, 32, 64)
    one, two = plots.mel_image(mel, ["x"], 1.0), plots.mel_image(np.concatenate([mel, mel]), ["x", "y"], 1.0)
    assert two.shape[1] > one.shape[1]  # a panel per log-mel, side by side


def test_marked_points_are_drawn_where_their_codes_are_and_never_over_the_legend():
    rng = np.random.default_rng(0)
    panels = [(rng.normal(size=(100, 2)), rng.integers(0, 3, 100), t) for t in ("source", "target")]
    bg = plots.latent_background(panels, 3, ["0", "1", "2"], ("input", "mapped"))
    before = bg["image"].copy()
    codes = [np.zeros((1, 2)), np.array([[1.0, 1.0], [-1.0, 0.5]])]
    marked = plots.mark_points(bg, codes)
    assert np.array_equal(bg["image"], before)  # the cached background is not drawn on
    assert np.array_equal(marked, plots.mark_points(bg, codes))  # the same codes, the same picture
    rows, cols = np.nonzero((marked != before).any(-1))
    for pts, (m, _) in zip(codes, bg["axes"]):  # a marker at the pixel each code maps to
        for x, y in pts @ m[:2, :2].T + m[:2, 2]:
            assert ((abs(cols - x) <= 6) & (abs(rows - y) <= 6)).any()
    bottom = max(box[3] for _, box in bg["axes"])
    assert rows.max() < bottom + 24  # the legend below the panels stays as it was
