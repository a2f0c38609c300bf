"""xmgan demo: one tab per registered model, built from the registry (xmgan.get_spec).

    python app.py            # http://127.0.0.1:7860
This file only assembles the UI: widgets come from each spec's action inputs, buttons call
`pipeline.<method>` by name, and models load on first use. The page is built and served without importing
torch (the specs are torch-free, xmgan.registry): the models warm up once the first page has loaded.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import inspect
import os
import sys
from pathlib import Path


class SkipGradioStubs(importlib.abc.MetaPathFinder):
    """Gradio rewrites the type stub (.pyi) of every component class as the class is defined, at every import:
    it parses the source file of each of its 81 components again (about 2 s of the 4.5 s `import gradio` took
    on this shared 2-core machine, the largest single cost of a cold start, issue 12). The stubs are for
    editors; no running app reads them. Found on the meta path before gradio is imported, this finder loads
    gradio.component_meta as usual and then makes its stub writer a no-op (for app.py's Canvas as well)."""

    def find_spec(self, name, path=None, target=None):
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module) -> None:
            run(module)
            if hasattr(module, "create_or_modify_pyi"):
                module.create_or_modify_pyi = lambda *args, **kwargs: None

        spec.loader.exec_module = exec_module
        return spec


if "gradio" not in sys.modules:
    sys.meta_path.insert(0, SkipGradioStubs())

import gradio as gr  # noqa: E402 - imported once SkipGradioStubs is on the meta path

import xmgan
from xmgan import live
from xmgan.card import card_text
from xmgan.data import class_names
from xmgan.hub import checkpoints_root, is_local, read_json
from xmgan.images import for_canvas, open_image
from xmgan.readable import readable_metrics
from xmgan.specs.compare import SPEC as COMPARE

ROOT = Path(__file__).resolve().parent
LOADED: set[str] = set()  # models this process has loaded
LIVE = live.Live()  # the one live training of this server (xmgan.live)
CSS = """
.pixelated img { image-rendering: pixelated; }
footer { display: none !important; }
/* Galleries: tiles of a fixed size that wrap, each caption in full under its image (never cut). */
.xm-gallery { --xm-tile: 150px; }
.xm-gallery.xm-few { --xm-tile: 180px; }
.xm-gallery .grid-wrap { height: auto !important; max-height: none !important; min-height: 0 !important;
  overflow: visible !important; padding-top: 38px !important; }  /* the label sits above the tiles */
.xm-gallery .grid-container { grid-template-columns: repeat(auto-fill, minmax(var(--xm-tile), 1fr)) !important;
  grid-template-rows: none !important; grid-auto-rows: auto !important; }
.xm-gallery .thumbnail-item { aspect-ratio: auto !important; height: auto !important; display: flex !important;
  flex-direction: column; overflow: visible !important; }
.xm-gallery .thumbnail-item img { aspect-ratio: 1 / 1; width: 100% !important; height: auto !important;
  object-fit: contain !important; }
.xm-gallery .caption-label { position: static !important; max-width: none !important; white-space: pre-line !important;
  opacity: 1 !important; overflow: visible !important; font-size: 15px !important; line-height: 1.35;
  text-align: center; border: none !important; background: none !important; padding: 4px 2px !important; }
/* Single images (a strip, a grid, a plot): as wide as the box allows, never cropped, never scaled past it. */
.xm-image .image-container { height: auto !important; padding-top: 34px; }  /* the label sits above, not on it */
.xm-image .image-container > button, .xm-image .image-frame { width: 100% !important; height: auto !important; }
.xm-image .image-frame img { width: 100% !important; height: auto !important; max-height: 62vh;
  object-fit: contain !important; }
/* Eleven tabs fit one row at 1366 px (none hidden behind the overflow menu): less padding, same font. */
.tab-container button[role="tab"] { padding: 0 9px !important; }
.xm-hint { font-size: 15px; }
.xm-text { font-size: 17px; }  /* a verdict read from the back of the room */
"""

# Sketchpads open with the brush selected: a first stroke draws (Gradio starts on the image tool,
# where a drag selects the placeholder text). Tabs render lazily, so watch for new canvases.
ARM_BRUSH = """() => {
  const arm = () => document.querySelectorAll('.xm-canvas').forEach((pad) => {
    const brush = pad.querySelector('button[aria-label="Brush"]');
    if (!brush || pad.dataset.armed) return;
    pad.dataset.armed = '1';
    brush.click();
  });
  new MutationObserver(arm).observe(document.body, {childList: true, subtree: true});
  arm();
}"""


class Canvas(gr.Sketchpad):
    """A Sketchpad that checks every file it is sent (the API's uploads) before Gradio decodes it: a file
    that is no picture, or one too large by its header, gets the package's sentence, not a stack trace."""

    def get_block_name(self) -> str:
        return "imageeditor"

    def convert_and_format_image(self, file, flatten_on_white: bool = False):
        if file is not None and getattr(file, "path", None):
            try:
                open_image(file.path)
            except xmgan.XmganError as e:
                raise gr.Error(str(e), print_exception=False) from None
        return super().convert_and_format_image(file, flatten_on_white)

INTRO = """# xmgan — cross-domain and cross-modal GANs, trained and live
Every tab runs a model trained in this repository on real data; the numbers under each come from
`python -m xmgan.evaluate` on held-out data. Below generated images, a separately trained **judge**
classifier says what it sees and how sure it is. Models load on first use (a second or two).
"""


def make_input(name: str, spec: xmgan.registry.ModelSpec) -> gr.components.Component:
    """The widget for one named input of a spec's actions."""
    start = spec.default(name)  # the one place input defaults live (xmgan.registry.INPUT_DEFAULTS, spec.defaults)
    if name == "variant":
        return gr.Radio(list(spec.variants), value=start, label=spec.variant_label)
    if name in spec.choices:
        return gr.Radio(list(spec.choices[name]), value=start, label=name.replace("_", " ").capitalize())
    if name == "audio":  # a file path: the package reads it and says what is wrong with a bad one
        return gr.Audio(sources=["upload", "microphone"], type="filepath", format=None,
                        label="Upload a sound file, or record one with the microphone")
    if name == "image":  # uploads go through the button under it (checked on the server); paste works too
        return Canvas(label="Draw a digit here (or upload / paste a picture)", sources=("clipboard",),
                      type="numpy", image_mode="RGBA", canvas_size=(280, 280), format="png", layers=False,
                      brush=gr.Brush(default_size=22, colors=["#000000"], color_mode="fixed"),
                      elem_classes="xm-canvas")
    if name in ("label", "label_b"):
        names = class_names(spec.variants[0])
        # Custom values allowed: the pipeline checks the class against the chosen dataset and explains.
        return gr.Dropdown(names, value=names[start], label="Class" if name == "label" else "Second class",
                           allow_custom_value=True)
    if name == "seed":
        return gr.Number(value=start, precision=0, minimum=0, label="Seed")
    if name == "seed_b":
        return gr.Number(value=start, precision=0, minimum=0, label="Second seed")
    if name == "count":
        return gr.Slider(1, 64, value=start, step=1, label="How many")
    if name == "steps":
        return gr.Slider(2, 32, value=start, step=1, label="Interpolation steps")
    raise ValueError(f"app.py has no widget for input {name!r}")


def make_output(kind: str, label: str, pixelated: bool = True, few: bool = False) -> gr.components.Component:
    """The widget for one output kind; `pixelated` shows small images with crisp pixels (not plots);
    `few`: a gallery of a few images with long captions (a translation row), shown larger."""
    crisp = ["pixelated"] if pixelated else []
    if kind == "gallery":
        return gr.Gallery(label=label, columns=8, object_fit="contain", allow_preview=True,
                          elem_classes=crisp + ["xm-gallery"] + (["xm-few"] if few else []))
    if kind in ("image", "plot"):  # a plot (a figure with text) is scaled smoothly, never pixelated
        return gr.Image(label=label, type="numpy", format="png", elem_classes=(crisp if kind == "image" else [])
                        + ["xm-image"], show_label=True)
    if kind == "animation":  # a GIF file: shown as it is (animated), downloadable
        return gr.Image(label=label, type="filepath", elem_classes=crisp + ["xm-image"], show_label=True)
    if kind == "text":
        return gr.Markdown(label=label, show_label=True, container=True, elem_classes="xm-text")
    if kind == "audio":
        return gr.Audio(label=label, type="numpy", format="wav", interactive=False)
    raise ValueError(f"app.py has no output for kind {kind!r}")


def call(model_id: str, action: xmgan.registry.Action, load=None):
    """A click handler: load the pipeline (cached) and run one of its methods; user errors -> gr.Error.
    `load`: where the object comes from when the tab is not one model (the Compare tab)."""

    def run(*values):
        try:
            serving_threads()
            if load is not None:
                pipe = load()
            else:
                if model_id not in LOADED and not is_local(model_id):  # the first use downloads: say so
                    gr.Info(f"Downloading the {model_id} weights from the Hugging Face Hub (first use only)…")
                pipe = xmgan.load(model_id)
                LOADED.add(model_id)
            result = getattr(pipe, action.method)(**dict(zip(action.inputs, values)))
        except xmgan.XmganError as e:
            raise gr.Error(str(e), print_exception=False) from None
        return result

    run.__name__ = f"{model_id}_{action.method}"
    # The API names each parameter after its input ("image", "source", "seed"), not param_0, param_1, ...
    run.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in action.inputs])
    return run


def canvas_value(path: str | None) -> dict:
    """An uploaded file for the canvas: checked from its header, shrunk; bad files -> a sentence."""
    if path is None:
        raise gr.Error("No file arrived: choose a PNG or JPEG picture.", print_exception=False)
    try:
        picture = for_canvas(path)
    except xmgan.XmganError as e:
        raise gr.Error(str(e), print_exception=False) from None
    return {"background": picture, "layers": [], "composite": picture}


def hint_for(spec: xmgan.registry.ModelSpec, value) -> str:
    return f"**What to give it:** {spec.hints[value]}" if value in spec.hints else ""


def model_facts(model_id: str) -> tuple[str, str]:
    """(metrics table, model card) read from the local checkpoint folder without loading weights."""
    folder = checkpoints_root() / model_id
    text = card_text(folder) or "_No local checkpoint: weights will be fetched from the Hugging Face Hub on first use._"
    return readable_metrics(read_json(folder / "metrics.json")), text


def concurrency(spec: xmgan.registry.ModelSpec) -> int:
    """How many requests of one model run at once (its buttons share the limit; other tabs run beside it).
    Image models spend much of a request in Python (captions, PNG encoding), which a second request can
    overlap with the first one's torch work; the speech models fill the CPU with one request each."""
    default = 1 if "audio" in spec.task else 2
    return int(os.environ.get(f"XMGAN_CONCURRENCY_{spec.id.upper()}", os.environ.get("XMGAN_CONCURRENCY", default)))


def build_tab(spec: xmgan.registry.ModelSpec, load=None) -> None:
    """One tab from a spec: a model's (weights from xmgan.load), or a view over several models whose
    object `load()` returns (the Compare tab; no metrics or card of its own)."""
    with gr.Tab(spec.tab, id=spec.id, elem_id=f"tab-{spec.id}"):
        paper = f"Paper: [{spec.paper}]({spec.paper_url})" if spec.paper_url else spec.paper  # a view: no paper of its own
        gr.Markdown(f"### {spec.title}\n{spec.description}  \n{paper}")
        widgets = {}
        media = [name for name in ("image", "audio") if name in spec.inputs]
        with gr.Row():
            if media:  # a drawing or a recording needs room: its own column, with its examples under it
                with gr.Column(scale=3):
                    for name in media:
                        widgets[name] = make_input(name, spec)
                        if name == "image":
                            upload = gr.UploadButton("Upload a picture (PNG or JPEG)", file_types=["image"],
                                                     type="filepath", size="sm", elem_id=f"upload-{spec.id}")
                            upload.upload(canvas_value, upload, widgets[name], api_name=False)
                        examples = spec.examples if name == "image" else spec.audio_examples
                        if examples:
                            gr.Examples([[str(ROOT / path)] for path in examples], [widgets[name]],
                                        label="Examples from the held-out test sets",
                                        elem_id=f"examples-{spec.id}-{name}")
            with gr.Column(scale=2) if media else gr.Row():
                for name in spec.inputs:
                    if name not in media:
                        widgets[name] = make_input(name, spec)
        for name in ("label", "label_b"):
            if "variant" in widgets and name in widgets:  # class names follow the dataset
                first = spec.default(name)
                widgets["variant"].change(lambda v, first=first: gr.Dropdown(choices=class_names(v), value=class_names(v)[first]),
                                          widgets["variant"], widgets[name], api_name=False)
        # the picker whose values the hints name (a task, a source domain): its hint follows it
        picker = next((n for n in spec.inputs if n in widgets and n not in media and
                       any(v in spec.hints for v in (spec.variants if n == "variant" else spec.choices.get(n, ())))),
                      None)
        if picker:
            hint = gr.Markdown(hint_for(spec, widgets[picker].value), elem_classes="xm-hint",
                               elem_id=f"hint-{spec.id}")
            widgets[picker].change(lambda v: hint_for(spec, v), widgets[picker], hint, api_name=False)
        for action in spec.actions:
            button = gr.Button(action.label, variant="primary")
            labels = action.output_labels or (action.label,) * len(action.outputs)
            few = "image" in action.inputs  # a row of one input's translations: few images, long captions
            # image outputs of the speech models are spectrogram plots: smooth, not pixelated
            outputs = [make_output(kind, label, pixelated=not (kind == "image" and "audio" in spec.task), few=few)
                       for kind, label in zip(action.outputs, labels)]
            # outputs empty first, so an error never leaves the previous answer under its message
            button.click(None, None, outputs, js=f"() => [{', '.join(['null'] * len(outputs))}]", queue=False,
                         api_name=False).then(call(spec.id, action, load), [widgets[i] for i in action.inputs], outputs,
                                              api_name=f"{spec.id}_{action.method}",
                                              concurrency_id=spec.id, concurrency_limit=concurrency(spec))
        if load is not None:
            return
        metrics, card = model_facts(spec.id)
        with gr.Accordion("Metrics on held-out data", open=True):
            gr.Markdown(metrics, elem_classes="xm-metrics")
        with gr.Accordion("Model card", open=False):
            gr.Markdown(card)


LIVE_INTRO = """### Watch a GAN learn — live training on MNIST
Press **Start**: a small DCGAN (or, ticked, a conditional GAN) starts from random weights and trains on
MNIST on this server, one CPU thread. About once a second you see the same 60 noise vectors drawn by the
generator as it is now (conditional: column *c* asks for digit *c*), both losses, the discriminator's
average output on real and on generated digits, and what the MNIST judge reads in the grid. Pick a preset
to see a classic failure. One training runs at a time on the server; it stops by itself after
{minutes:.0f} minutes or when its page closes, and never touches the shipped weights."""


def live_settings(lr_g, lr_d, batch, d_steps, beta1, conditional) -> live.Settings:
    try:
        return live.Settings(lr_g=float(lr_g), lr_d=float(lr_d), batch=int(batch), d_steps=int(d_steps),
                             beta1=float(beta1), conditional=bool(conditional)).check()
    except (TypeError, ValueError):
        raise gr.Error("Learning rates, batch size, D steps and β1 must be numbers.", print_exception=False) from None
    except xmgan.XmganError as e:
        raise gr.Error(str(e), print_exception=False) from None


def live_view(who: str) -> tuple:
    """(status, grid, curves, timer) for one page from the trainer's last snapshot; the page keeps polling
    while its training runs or is paused (the poll is also how the worker knows the page is open)."""
    snap = LIVE.snapshot(who)
    return snap.status, snap.grid, snap.curves, gr.Timer(active=snap.mine and snap.state in ("running", "paused"))


def live_action(method: str):
    """A control's handler: LIVE.<method>(session, ...) for this page; user errors -> gr.Error."""

    def run(lr_g, lr_d, batch, d_steps, beta1, conditional, request: gr.Request):
        who = request.session_hash
        serving_threads()
        try:
            if method == "start":
                LIVE.start(who, live_settings(lr_g, lr_d, batch, d_steps, beta1, conditional))
            elif method == "step_once":
                LIVE.step_once(who, live_settings(lr_g, lr_d, batch, d_steps, beta1, conditional))
            else:
                getattr(LIVE, method)(who)
        except xmgan.XmganError as e:
            raise gr.Error(str(e), print_exception=False) from None
        return live_view(who)

    run.__name__ = f"live_{method}"
    return run


def preset_note(name: str) -> str:
    return f"**What to look for:** {live.PRESETS[name][1]}  \n*Press Start to train with these settings.*"


def live_page_closed(request: gr.Request) -> None:
    """A closed page stops its training (the worker also stops when a page stops polling)."""
    LIVE.page_closed(request.session_hash)


def build_live_tab() -> None:
    """The live-training tab: controls on the left, the grid and status on the right, plots below;
    the training itself is xmgan.live (one per process: LIVE)."""
    first = next(iter(live.PRESETS))
    with gr.Tab("Train live", id="live", elem_id="tab-live"):
        gr.Markdown(LIVE_INTRO.format(minutes=LIVE.time_limit_s / 60))
        if missing := live.mnist_status():
            gr.Markdown(f"**Training is not available here.** {missing}", elem_id="live-missing")
        with gr.Row():
            with gr.Column(scale=2):
                preset = gr.Dropdown(list(live.PRESETS), value=first, label="Preset")
                note = gr.Markdown(preset_note(first), elem_classes="xm-hint", elem_id="live-note")
                s = live.PRESETS[first][0]
                with gr.Row():
                    lr_g = gr.Number(s.lr_g, label="Learning rate of G", minimum=1e-6, maximum=1)
                    lr_d = gr.Number(s.lr_d, label="Learning rate of D", minimum=1e-6, maximum=1)
                with gr.Row():
                    batch = gr.Radio([16, 32, 64, 128], value=s.batch, label="Batch size")
                    d_steps = gr.Slider(1, 10, value=s.d_steps, step=1, label="D steps per G step")
                with gr.Row():
                    beta1 = gr.Number(s.beta1, label="Adam β1", minimum=0, maximum=0.999)
                    conditional = gr.Checkbox(s.conditional, label="Conditional (cGAN): column c asks for digit c")
                with gr.Row():
                    buttons = {m: gr.Button(label, variant="primary" if m == "start" else "secondary",
                                            elem_id=f"live-{m}")
                               for m, label in (("start", "Start"), ("pause", "Pause"), ("resume", "Resume"),
                                                ("step_once", "Step once"), ("reset", "Reset"))}
            with gr.Column(scale=3):
                status = gr.Markdown("Press Start: a small GAN starts learning MNIST from scratch.",
                                     elem_id="live-status", elem_classes="xm-text")
                grid = gr.Image(label="The same 60 noise vectors, drawn by G as it is now", type="numpy",
                                format="png", elem_classes=["pixelated", "xm-image"], elem_id="live-grid",
                                interactive=False)
        plot = gr.Image(label="Losses; D's outputs on real and generated digits; the judge's reading", type="numpy",
                        format="png", elem_classes=["xm-image"], elem_id="live-curves", interactive=False)
        timer = gr.Timer(1.0, active=False)
        controls = [lr_g, lr_d, batch, d_steps, beta1, conditional]
        outputs = [status, grid, plot, timer]
        preset.change(lambda name: (preset_note(name), *(
            getattr(live.PRESETS[name][0], k) for k in ("lr_g", "lr_d", "batch", "d_steps", "beta1", "conditional"))),
            preset, [note, *controls], api_name=False)
        for method, button in buttons.items():
            button.click(live_action(method), controls, outputs, api_name=f"live_{method}", concurrency_id="live",
                         concurrency_limit=None)

        def poll(request: gr.Request):
            return live_view(request.session_hash)

        timer.tick(poll, None, outputs, api_name="live_poll", show_progress="hidden", concurrency_id="live",
                   concurrency_limit=None)


def comparison():
    """The Compare tab's object, made on a click: xmgan.compare imports torch, which the page is built without."""
    from xmgan.compare import Comparison

    return Comparison()


TOOL_BUILDERS = {  # registry.TOOLS: how each teaching tab is built
    "compare": lambda: build_tab(COMPARE, load=comparison),  # every translator's routes
    "live": build_live_tab,
}


def build_demo(warm: bool = False) -> gr.Blocks:
    """Every tab of registry.TABS. `warm`: once a page has loaded, load the models in the background (main()
    asks for it here rather than reopening the Blocks: Gradio rebuilds its config and app at each exit)."""
    with gr.Blocks(title="xmgan") as demo:
        gr.Markdown(INTRO)
        with gr.Tabs():
            for tab in xmgan.registry.TABS:  # the models, then the teaching tabs (registry.TOOLS)
                if tab in xmgan.registry.MODELS:
                    build_tab(xmgan.get_spec(tab))
                elif tab in TOOL_BUILDERS:
                    TOOL_BUILDERS[tab]()
                else:
                    raise ValueError(f"app.py has no builder for the registry's tab {tab!r}")
        demo.load(None, js=ARM_BRUSH)
        if warm:  # the models warm up once the first visitor's page is up, while they read it
            demo.load(start_warm_up, None, None, api_name=False, queue=False, show_progress="hidden")
        demo.unload(live_page_closed)
    return demo


def trust_example_sounds() -> None:
    """Gradio runs ffprobe on every example sound while it builds the page, to see whether a browser can play
    it (18 subprocesses: build_demo() took 2.1 s with them, 0.45 s without, on the shared 2-core machine).
    The WAV files under examples/ are PCM, which every browser plays: skip the probe for those only."""
    from gradio import processing_utils

    probe = processing_utils.audio_is_playable
    if getattr(probe, "xmgan", False):
        return
    examples = ROOT / "examples"

    def playable(path: str) -> bool:
        p = Path(path).resolve()
        return (p.suffix.lower() == ".wav" and p.is_relative_to(examples)) or probe(path)

    playable.xmgan = True
    processing_utils.audio_is_playable = playable


trust_example_sounds()


def launch_options() -> dict:
    """Host and port: XMGAN_HOST / XMGAN_PORT, else Gradio's GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (a
    Hugging Face Space sets GRADIO_SERVER_NAME=0.0.0.0), else 127.0.0.1:7860."""
    env = os.environ
    return {"server_name": env.get("XMGAN_HOST") or env.get("GRADIO_SERVER_NAME") or "127.0.0.1",
            "server_port": int(env.get("XMGAN_PORT") or env.get("GRADIO_SERVER_PORT") or 7860)}


def serving_threads() -> None:
    """One torch thread per request (XMGAN_TORCH_THREADS): requests run side by side instead, and on a small
    shared CPU two threads per request oversubscribe it (cGAN generate measured 40 ms with one thread,
    240-300 ms with two, while trainings shared this 2-core machine). For the server `main()` starts only (a
    test's in-process app keeps torch's default), and set before the first torch work of a request or of the
    warm-up rather than at start: torch is imported after the first page has been served."""
    threads = getattr(serving_threads, "wanted", None)  # main() sets it
    if threads is None or getattr(serving_threads, "done", False):
        return
    import torch

    torch.set_num_threads(threads)
    serving_threads.done = True


def warm_up(model_ids: list[str]) -> None:
    """Load every local model after the page is up, at low CPU priority, so that a first click finds its
    model ready instead of waiting for it (XMGAN_WARM=0 turns this off)."""
    import logging
    import threading

    try:  # Linux: lower this thread's priority only (the server threads keep theirs)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
    serving_threads()
    for model_id in model_ids:
        try:
            if is_local(model_id):  # a model that must be downloaded waits for its first click
                xmgan.load(model_id)
                LOADED.add(model_id)
        except Exception as e:  # noqa: BLE001 - a model that fails here fails again, with its message, on click
            logging.getLogger("xmgan.app").warning("warm-up of %s failed: %s", model_id, e)


def start_warm_up() -> None:
    """Start `warm_up` once per process (called when a page has loaded, so it never delays the first paint)."""
    import threading

    if os.environ.get("XMGAN_WARM", "1") != "0" and not getattr(start_warm_up, "started", False):
        start_warm_up.started = True
        threading.Thread(target=warm_up, args=(xmgan.list_models(),), daemon=True, name="warm-up").start()


def main() -> None:
    serving_threads.wanted = int(os.environ.get("XMGAN_TORCH_THREADS", "1"))
    demo = build_demo(warm=True)
    # A bounded queue: a full classroom waits in line (with its position shown) instead of piling up.
    demo.queue(max_size=int(os.environ.get("XMGAN_QUEUE_SIZE", "200")))
    demo.launch(**launch_options(), css=CSS, theme=gr.themes.Soft())


if __name__ == "__main__":
    main()
