"""Model registry: every model's ModelSpec, and its pipeline class, under one id.

A model is two files, spelled by its id: `xmgan/specs/<id>.py` holds `SPEC`, what the app shows of it (tab,
paper, variants, buttons, examples, hints), and imports no torch; `xmgan/models/<id>.py` holds the Config,
the networks and the Pipeline, registered with `@register("<id>")` (which hands the class its `spec`).
They are apart so that the app builds every tab without importing torch (1-2 s of a cold start on a small
CPU, issue 12): `get_spec` and `list_models` read the specs only, and `get_pipeline_class` (so
`xmgan.load`) imports the model's module on its first use.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import XmganError

# Every registered model, in tab order. Adding a model is adding its two files (xmgan/specs/<id>.py,
# xmgan/models/<id>.py) and its id here.
MODELS = ("gan", "cgan", "dtn", "latent_gan", "cyclegan", "stargan", "cyclegan_vc", "stargan_vc", "cmcgan")
# The teaching tabs, after the models, in tab order: views over several models (xmgan.compare; its ModelSpec,
# whose routes are every translator's, is xmgan/specs/compare.py) and the live training (xmgan.live, which
# streams and so has its own layout in app.py). The app builds exactly TABS, in this order, and refuses an id
# it has no builder for.
TOOLS = ("compare", "live")
TABS = MODELS + TOOLS

TASK_KINDS = ("sample", "image->image", "audio->audio", "audio<->image")
# The start value of each input: the one place the app's widgets, the bench and the tests read it from
# (through ModelSpec.default); a spec's own `defaults` overrides one for its model.
INPUT_DEFAULTS = {"seed": 0, "seed_b": 1, "count": 16, "steps": 10, "label": 7, "label_b": 1}
ROOT = Path(__file__).resolve().parents[1]  # examples/ lives in the repository beside the package


@dataclass(frozen=True)
class Action:
    """One button of a model's tab: calls `pipeline.<method>(**inputs)`; `method` is also its api_name.

    Input names the app knows: variant, seed, seed_b, label, label_b (a second class), count, steps, image (drawn or uploaded:
    the pipeline receives whatever the widget gives and normalises it with xmgan.images), audio
    (microphone or upload: `(rate, samples)` or a file path, normalised with xmgan.audio.read_audio), and
    any name the spec lists in `choices` (a picker of those values, e.g. "source", "target", "direction").
    Output kinds: gallery (list of (uint8 image, caption)), image (uint8 array, e.g. a grid of digits, shown
    with crisp pixels), plot (uint8 array of a matplotlib figure with text, scaled smoothly), text
    (markdown), audio ((rate, int16 samples), playable and downloadable), animation (the path of an
    animated GIF).
    """
    method: str
    label: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    output_labels: tuple[str, ...] = ()  # what each output shows ("translation and cycle"); else the kind


@dataclass(frozen=True)
class ModelSpec:
    id: str
    tab: str              # short tab label, e.g. "cGAN"
    title: str
    paper: str            # citation, e.g. "Goodfellow et al., Generative Adversarial Nets, 2014"
    paper_url: str
    task: str             # one of TASK_KINDS
    variants: tuple[str, ...]  # datasets / tasks one checkpoint folder holds, e.g. ("mnist", "fashion")
    actions: tuple[Action, ...]  # the buttons of its tab; their inputs/outputs are the model's
    description: str = ""
    variant_label: str = "Dataset"  # what the app calls the variant picker ("Task", "Direction", ...)
    examples: tuple[str, ...] = ()  # clickable example inputs: files relative to the repo root (examples/...)
    audio_examples: tuple[str, ...] = ()  # the same for an audio input (examples/<set>/<name>.wav)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # picker inputs and their values
    defaults: dict[str, Any] = field(default_factory=dict)  # a widget's start value where not the first
    # what picture or sound the model expects, per value of the variant (or of a picker input): shown
    # under the input and updated when that picker changes, e.g. {"usps2mnist": "a handwritten digit"}
    hints: dict[str, str] = field(default_factory=dict)

    def default(self, name: str) -> Any:
        """The start value of input `name`: the spec's own, else the package's (INPUT_DEFAULTS), else the
        first variant or choice; None for a drawing or a recording (the user gives those)."""
        if name in self.defaults:
            return self.defaults[name]
        if name == "variant":
            return self.variants[0]
        if name in self.choices:
            return self.choices[name][0]
        return INPUT_DEFAULTS.get(name)

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for a in self.actions for i in a.inputs))

    @property
    def outputs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o for a in self.actions for o in a.outputs))

    def __post_init__(self) -> None:
        if self.task not in TASK_KINDS:
            raise ValueError(f"task {self.task!r} is not one of {TASK_KINDS}")


_SPECS: dict[str, ModelSpec] = {}
_PIPELINES: dict[str, type] = {}


def register(model_id: str) -> Callable:
    """Class decorator above a model's Pipeline class: `@register("cgan")`; the class gets `spec`, the
    ModelSpec of xmgan/specs/<model_id>.py."""
    spec = get_spec(model_id)

    def wrap(cls):
        if _PIPELINES.get(model_id, cls) is not cls:
            raise ValueError(f"model id {model_id!r} registered twice")
        _PIPELINES[model_id] = cls
        cls.spec = spec
        return cls

    return wrap


def list_models() -> list[str]:
    """Every model id, in tab order (MODELS)."""
    return list(MODELS)


def get_spec(model_id: str) -> ModelSpec:
    """The ModelSpec of `model_id`, read from xmgan/specs/<id>.py (no torch, no weights)."""
    if model_id not in MODELS:
        raise XmganError(f"Unknown model id {model_id!r}; valid ids are: {', '.join(sorted(MODELS))}.")
    if model_id not in _SPECS:
        spec = importlib.import_module(f"xmgan.specs.{model_id}").SPEC
        if spec.id != model_id:
            raise ValueError(f"xmgan/specs/{model_id}.py declares model {spec.id!r}, not {model_id!r}")
        _SPECS[model_id] = spec
    return _SPECS[model_id]


def get_pipeline_class(model_id: str) -> type:
    """The Pipeline class of `model_id` (its `spec` set); imports xmgan/models/<id>.py, and torch, on first use."""
    get_spec(model_id)
    if model_id not in _PIPELINES:
        importlib.import_module(f"xmgan.models.{model_id}")
        if model_id not in _PIPELINES:
            raise ValueError(f"xmgan/models/{model_id}.py registers no model {model_id!r}")
    return _PIPELINES[model_id]


def default_inputs(model_id: str, action: Action, variant: str | None = None) -> dict:
    """The inputs a first click on the tab would send (the bench and the tests use them): each input's
    default, and for an image or audio input the first example (of the variant's source domain where its
    config names one), as a path. The variant itself is left to the caller."""
    spec = get_spec(model_id)
    kwargs = {k: spec.default(k) for k in action.inputs if k not in ("variant", "image", "audio")}
    if "audio" in action.inputs:
        kwargs["audio"] = str(ROOT / spec.audio_examples[0])
    if "image" in action.inputs:
        source = getattr(get_pipeline_class(model_id).config_for(variant), "source", "") if variant else ""
        mine = [e for e in spec.examples if source and f"/{source}/" in e]
        kwargs["image"] = str(ROOT / (mine or spec.examples)[0])
    return kwargs
