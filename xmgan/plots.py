"""Every figure the package draws, as a uint8 RGB array (what a pipeline returns and the app shows).

Plain inputs only (numpy arrays, titles, sample rates): nothing here knows a model. matplotlib is imported
on first use (`import xmgan` stays cheap), with the Agg backend, and `to_array` is the one place a figure
becomes pixels (`mark_points` aside: it draws a few artists straight into a cached image's pixels).

- `spectrogram_image`: side-by-side log-magnitude spectrograms of waveforms (the voice-conversion tabs);
- `mel_image`, `digit_and_mel`: log-mel panels, and a digit beside a generated log-mel (CMCGAN);
- `latent_background`, `mark_points`: the latent-space GAN's PCA scatter of both latent spaces, drawn once
  per variant, and the input's code z and its mapped codes z' (with arrows) drawn over a copy (~20 ms).
- `training_curves`: a GAN's losses, D's outputs and the judge's reading as it trains (the Train live tab).
"""
from __future__ import annotations

import threading

import numpy as np


def figure(width_in: float, height_in: float, dpi: int, layout: str | None = None):
    """A matplotlib Figure on an Agg canvas (no pyplot, no global state: safe in a threaded server)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def to_array(fig) -> np.ndarray:
    """Draw a figure -> (H, W, 3) uint8 RGB."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def spectrogram_image(panels: list[tuple[str, np.ndarray]], sr: int, n_fft: int = 512,
                      width_in: float = 4.2, height_in: float = 2.6) -> np.ndarray:
    """Side-by-side log-magnitude spectrograms (one panel per (title, wav)) -> uint8 RGB image."""
    fig = figure(width_in * len(panels), height_in, 90, "constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, wav) in zip(axes, panels):
        _spectrogram_axes(ax, wav, sr, n_fft, title)
    return to_array(fig)


def _spectrogram_axes(ax, wav: np.ndarray, sr: int, n_fft: int, title: str) -> None:
    hop = n_fft // 4
    wav = np.asarray(wav, dtype=np.float64)
    if len(wav) < n_fft:
        wav = np.pad(wav, (0, n_fft - len(wav)))
    frames = np.lib.stride_tricks.sliding_window_view(wav, n_fft)[::hop] * np.hanning(n_fft)
    db = 20 * np.log10(np.abs(np.fft.rfft(frames, axis=1)).T + 1e-6)
    ax.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=db.max() - 80, vmax=db.max(),
              extent=(0, len(wav) / sr, 0, sr / 2000))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("time (s)", fontsize=8)
    ax.set_ylabel("kHz", fontsize=8)
    ax.tick_params(labelsize=7)


def digit_and_spectrogram(image: np.ndarray, wav: np.ndarray, sr: int, title_image: str, title_sound: str,
                          n_fft: int = 256) -> np.ndarray:
    """A digit (H, W) uint8 beside the spectrogram of a waveform -> uint8 RGB."""
    fig = figure(6.4, 2.4, 90, "constrained")
    a1, a2 = fig.subplots(1, 2, width_ratios=[1, 2.2])
    a1.imshow(image, cmap="gray", vmin=0, vmax=255)
    a1.set_axis_off()
    a1.set_title(title_image, fontsize=9)
    _spectrogram_axes(a2, wav, sr, n_fft, title_sound)
    return to_array(fig)


def _mel_axes(ax, mel: np.ndarray, seconds: float, title: str, fontsize: int = 9) -> None:
    ax.imshow(np.asarray(mel), origin="lower", aspect="auto", cmap="magma", vmin=-1, vmax=1,
              extent=(0, seconds, 0, np.asarray(mel).shape[0]))
    ax.set_title(title, fontsize=fontsize)
    ax.set_xlabel("time (s)", fontsize=7)
    ax.set_ylabel("mel band", fontsize=7)
    ax.tick_params(labelsize=6)


def mel_image(mels: np.ndarray, titles: list[str], seconds: float, width_in: float = 2.2,
              height_in: float = 2.0) -> np.ndarray:
    """Log-mel panels (N, bands, frames) in [-1, 1], each `seconds` long -> uint8 RGB (time across, mel up)."""
    fig = figure(width_in * len(mels), height_in, 90, "constrained")
    axes = fig.subplots(1, len(mels), squeeze=False)[0]
    for ax, m, title in zip(axes, mels, titles):
        _mel_axes(ax, m, seconds, title)
    return to_array(fig)


# the latent plot's two marker kinds (the class colours are tab10: never black or white) and the arrow
Z_STYLE = dict(marker="*", ms=24, mfc="white", mec="black", mew=2.0)     # the input's code z
Z2_STYLE = dict(marker="D", ms=11, mfc="black", mec="white", mew=1.5)    # its mapped codes z'
ARROW = dict(color="black", lw=1.3, alpha=0.7)


def latent_background(panels: list[tuple[np.ndarray, np.ndarray, str]], n_classes: int,
                      class_labels: list[str], marker_labels: tuple[str, str],
                      arrow_label: str = "mapping z → z'") -> dict:
    """Scatter plots of 2-D points coloured by class, side by side, one panel per (points (N, 2), labels
    (N,), title), axes "PCA 1" / "PCA 2", and a legend below them: `class_labels`, the two marker kinds
    (`Z_STYLE`, `Z2_STYLE`) and the arrow. Sized to be read at ~500 px wide (the app's column) ->
    {"image": uint8 RGB, "axes": per panel (affine map from data coordinates to pixel (column, row), the
    panel's pixel box)} for `mark_points`."""
    from matplotlib.lines import Line2D

    fig = figure(9.2, 6.0, 100, "constrained")
    fig.get_layout_engine().set(wspace=0.06)  # room between the panels for the arrows
    axes = fig.subplots(1, len(panels))
    colours = [f"C{k}" for k in range(10)]
    for i, (ax, (pts, lab, title)) in enumerate(zip(axes, panels)):
        for k in range(n_classes):
            ax.scatter(pts[lab == k, 0], pts[lab == k, 1], s=16, color=colours[k % 10], alpha=0.6, linewidths=0)
        lo, hi = pts.min(0), pts.max(0)
        span = np.maximum(hi - lo, 1e-3)
        ax.set_xlim(lo[0] - 0.08 * span[0], hi[0] + 0.08 * span[0])
        ax.set_ylim(lo[1] - 0.08 * span[1], hi[1] + 0.08 * span[1])
        ax.set_title(title, fontsize=16)
        ax.set_xlabel("PCA 1", fontsize=15)
        ax.set_ylabel("PCA 2", fontsize=15, labelpad=4)
        if i == len(panels) - 1 and i:  # the last panel's label on its right: the gap stays free for the arrows
            ax.yaxis.set_label_position("right")
        ax.set_xticks([])
        ax.set_yticks([])
    # the legend below the panels, five rows: the classes' columns, then a column of the markers and the arrow
    blank = Line2D([], [], ls="", label=" ")
    handles = [Line2D([], [], ls="", marker="o", ms=10, color=colours[k % 10], label=class_labels[k])
               for k in range(n_classes)]
    handles += [blank] * (-len(handles) % 5)
    handles += [Line2D([], [], ls="", label=marker_labels[0], **{**Z_STYLE, "ms": 18}),
                Line2D([], [], ls="", label=marker_labels[1], **Z2_STYLE),
                Line2D([], [], label=arrow_label, **ARROW), blank, blank]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles) // 5, fontsize=15, frameon=False,
               handlelength=1.2, labelspacing=0.35, columnspacing=1.2, borderaxespad=0.1)
    image = to_array(fig)
    h, w = image.shape[:2]
    flip = np.array([[1, 0, 0], [0, -1, h], [0, 0, 1]], dtype=np.float64)  # display y-up -> pixel rows
    boxes = []
    for ax in axes:
        m = flip @ ax.transData.get_affine().get_matrix()
        x0, y0, x1, y1 = ax.bbox.extents
        boxes.append((m, (x0 + 8, h - y1 + 8, x1 - 8, h - y0 - 8)))
    # a figure of the image's size for the markers, made once (a Figure costs ~50 ms), used under the lock
    overlay = figure(w / 100, h / 100, 100)
    return {"image": image, "axes": boxes, "overlay": overlay, "lock": threading.Lock()}


def mark_points(background: dict, points: list[np.ndarray]) -> np.ndarray:
    """A copy of a `latent_background` image with the first panel's points (the input's code z, (1, 2)) as
    white stars, the second panel's (its mapped codes z', (N, 2)) as black diamonds, and an arrow from the
    first point of the first panel to each point of the second; points outside a panel are drawn at its
    edge. Drawn by matplotlib straight into a copy of the cached background's pixels (~20 ms a click)."""
    from matplotlib.patches import FancyArrowPatch

    img = background["image"]
    h = img.shape[0]
    at = []  # per panel: (K, 2) display coordinates (pixels, y up)
    for pts, (m, box) in zip(points, background["axes"]):
        xy = np.asarray(pts, dtype=np.float64).reshape(-1, 2) @ m[:2, :2].T + m[:2, 2]
        xy = np.clip(xy, box[:2], box[2:])
        at.append(np.stack([xy[:, 0], h - xy[:, 1]], 1))
    artists = []
    if len(at) > 1 and len(at[0]):
        artists += [FancyArrowPatch(tuple(at[0][0]), tuple(end), transform=_pixels(), arrowstyle="-|>",
                                    mutation_scale=14, shrinkA=12, shrinkB=7, connectionstyle="arc3,rad=-0.15",
                                    **ARROW) for end in at[1]]
    artists += [_markers(xy, style) for xy, style in zip(at, (Z_STYLE, Z2_STYLE))]
    with background["lock"]:
        fig = background["overlay"]
        renderer = fig.canvas.get_renderer()
        buf = np.asarray(renderer.buffer_rgba())  # (H, W, 4), the renderer's own pixels
        buf[..., :3], buf[..., 3] = img, 255
        for artist in artists:
            artist.set_figure(fig)
            artist.draw(renderer)
        return buf[..., :3].copy()


def _pixels():
    from matplotlib.transforms import IdentityTransform

    return IdentityTransform()  # display coordinates: pixels from the bottom left


def _markers(xy: np.ndarray, style: dict):
    from matplotlib.lines import Line2D

    return Line2D(xy[:, 0], xy[:, 1], ls="", transform=_pixels(), **style)


def training_curves(step: list[int], loss_g: list[float], loss_d: list[float], d_real: list[float],
                    d_fake: list[float], read_step: list[int], legible: list[float], classes: list[int],
                    legible_label: str = "judge: confident digits") -> np.ndarray:
    """A GAN's training so far as two panels side by side, readable on a projector -> uint8 RGB: the losses,
    and D's mean output on real and generated images with the judge's legible share and classes seen / 10
    (all in 0-1). At most ~400 points a line."""
    fig = figure(11, 3.3, 90, "constrained")
    left, right = fig.subplots(1, 2)
    keep = max(1, len(step) // 400)
    left.plot(step[::keep], loss_d[::keep], color="#d62728", lw=1.6, label="D loss")
    left.plot(step[::keep], loss_g[::keep], color="#1f77b4", lw=1.6, label="G loss")
    left.set_title("Losses (the lower side is winning)", fontsize=13)
    right.plot(step[::keep], d_real[::keep], color="#2ca02c", lw=1.6, label="D(real)")
    right.plot(step[::keep], d_fake[::keep], color="#ff7f0e", lw=1.6, label="D(fake)")
    right.plot(read_step, legible, color="black", lw=2.4, marker="o", ms=3, label=legible_label)
    right.plot(read_step, [c / 10 for c in classes], color="grey", lw=1.6, ls="--", label="judge: classes seen / 10")
    right.set_ylim(-0.02, 1.02)
    right.set_title("D's outputs and the judge's reading", fontsize=13)
    for ax in (left, right):
        ax.set_xlabel("step", fontsize=11)
        ax.tick_params(labelsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=10, loc="upper left", framealpha=0.8)
    return to_array(fig)
