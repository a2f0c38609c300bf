"""Every registered model: shapes, finite values, determinism, backward, save -> load round trip,
and every tab action on the shipped weights."""
import numpy as np
import pytest
import torch

import xmgan
from xmgan import hub
from xmgan.pipeline import Pipeline

MODELS = xmgan.list_models()


def untrained(model_id: str) -> Pipeline:
    cls = xmgan.registry.get_pipeline_class(model_id)
    return cls.random_init({v: cls.config_for(v) for v in cls.spec.variants}, seed=0)


def outputs(action, result) -> list[np.ndarray]:
    """An action's result as one uint8 array per declared output (a gallery's images stacked)."""
    values = result if len(action.outputs) > 1 else (result,)
    assert len(values) == len(action.outputs)
    arrays = []
    for kind, value in zip(action.outputs, values):
        if kind == "gallery":
            assert value and all(isinstance(c, str) for _, c in value)
            value = np.stack([im for im, _ in value])
        if kind == "text":  # markdown, as the bytes of its text (so determinism compares it too)
            assert isinstance(value, str) and value
            arrays.append(np.frombuffer(value.encode(), dtype=np.uint8))
            continue
        if kind == "animation":  # the path of a GIF: its frames, stacked
            from PIL import Image, ImageSequence

            assert isinstance(value, str) and value.endswith(".gif")
            with Image.open(value) as gif:
                value = np.stack([np.asarray(f.convert("L")) for f in ImageSequence.Iterator(gif)])
        if kind == "audio":  # (rate, int16 samples), as gr.Audio plays it
            rate, value = value
            assert isinstance(rate, int) and 4000 <= rate <= 48000 and value.dtype == np.int16 and value.ndim == 1
            arrays.append(value)
            continue
        assert isinstance(value, np.ndarray) and value.dtype == np.uint8, kind
        arrays.append(value)
    return arrays


def default_kwargs(model_id: str, action) -> dict:
    return xmgan.registry.default_inputs(model_id, action)


def test_registry_lists_models_and_rejects_unknown():
    assert {"gan", "cgan"} <= set(MODELS)
    with pytest.raises(xmgan.XmganError, match="valid ids are: .*cgan.*gan"):
        xmgan.load("no_such_model")


@pytest.mark.parametrize("model_id", MODELS)
def test_spec_is_complete(model_id):
    spec = xmgan.get_spec(model_id)
    cls = xmgan.registry.get_pipeline_class(model_id)
    assert spec.paper and spec.paper_url.startswith("http") and spec.variants and spec.actions
    for action in spec.actions:
        assert callable(getattr(cls, action.method)), action.method


@pytest.mark.parametrize("model_id", MODELS)
def test_networks_forward_backward(model_id):
    """Every network of every variant gets finite, non-zero gradients from a tiny batch."""
    pipe = untrained(model_id)
    for variant, nets in pipe.nets.items():
        nets.train()
        loss = pipe.smoke_loss(nets, pipe.configs[variant])
        assert loss.ndim == 0 and torch.isfinite(loss)
        loss.backward()
        for name, net in nets.items():
            grads = [p.grad for p in net.parameters() if p.grad is not None]
            assert grads and all(torch.isfinite(g).all() for g in grads), name
            assert any(g.abs().sum() > 0 for g in grads), name


@pytest.mark.parametrize("model_id", MODELS)
def test_actions_are_deterministic_per_seed(model_id):
    pipe = untrained(model_id)
    for action in pipe.spec.actions:
        kw = default_kwargs(model_id, action)
        first = outputs(action, getattr(pipe, action.method)(**kw))
        again = outputs(action, getattr(pipe, action.method)(**kw))
        assert all(np.array_equal(a, b) for a, b in zip(first, again))
        if "seed" in kw:  # another seed, another draw
            other = outputs(action, getattr(pipe, action.method)(**{**kw, "seed": 5}))
            assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("model_id", MODELS)
def test_save_load_round_trip(model_id, tmp_path):
    pipe = untrained(model_id)
    for variant, net in pipe.nets.items():
        cfg = pipe.Config.__dataclass_fields__
        hub.write_variant(model_id, variant, {k: getattr(pipe.configs[variant], k) for k in cfg},
                          net.state_dict(), root=tmp_path)
    loaded = xmgan.load(model_id, folder=tmp_path / model_id)
    assert loaded.variants == pipe.variants
    for variant in pipe.variants:
        for k, v in pipe.nets[variant].state_dict().items():
            assert torch.equal(v, loaded.nets[variant].state_dict()[k]), k


@pytest.mark.parametrize("model_id", MODELS)
def test_shipped_weights_run_every_action(model_id):
    pipe = xmgan.load(model_id)
    assert set(pipe.variants) == set(pipe.spec.variants)
    for variant in pipe.variants:
        for action in pipe.spec.actions:
            result = getattr(pipe, action.method)(**default_kwargs(model_id, action), variant=variant)
            for kind, value in zip(action.outputs, outputs(action, result)):
                assert value.ndim in ((1,) if kind in ("audio", "text") else (2, 3, 4)) and value.std() > 0, (model_id, variant, kind)
            if "gallery" in action.outputs:  # the judge's verdict ("7 · 99%") captions generated images
                gallery = result[action.outputs.index("gallery")] if len(action.outputs) > 1 else result
                assert any("%" in caption for _, caption in gallery)


def test_cgan_shipped_weights_draw_the_requested_class():
    """The judge reads most generated digits as the class asked for (the real goal is >= 99%)."""
    pipe = xmgan.load("cgan")
    for label in (0, 3, 7):
        verdicts = [c.split(" ")[0] for _, c in pipe.generate(label=label, seed=1, count=16, variant="mnist")]
        assert verdicts.count(str(label)) >= 14, verdicts


def test_models_tuple_is_the_list_and_the_tab_order():
    """registry.MODELS names every model file of xmgan/models/ (helpers start with "_") and its spec file of
    xmgan/specs/ (beside the Compare tab's), in tab order."""
    from conftest import ROOT

    files = {p.stem for p in (ROOT / "xmgan" / "models").glob("*.py") if not p.stem.startswith("_")}
    specs = {p.stem for p in (ROOT / "xmgan" / "specs").glob("*.py") if not p.stem.startswith("_")}
    assert set(xmgan.registry.MODELS) == files == specs - set(xmgan.registry.TOOLS)
    assert xmgan.list_models() == list(xmgan.registry.MODELS)
    assert [xmgan.get_spec(m).id for m in xmgan.list_models()] == list(xmgan.registry.MODELS)


def test_input_defaults_live_in_the_spec():
    """The app's widgets start where the spec says, and the bench and these tests send the same values."""
    import app
    from xmgan.data import class_names

    for model_id in MODELS:
        spec = xmgan.get_spec(model_id)
        for action in spec.actions:
            sent = xmgan.registry.default_inputs(model_id, action)
            for name in action.inputs:
                if name in ("image", "audio"):
                    continue
                want = spec.default(name)
                assert want is not None, f"{model_id}: no default for input {name!r}"
                shown = app.make_input(name, spec).value
                assert shown == (class_names(spec.variants[0])[want] if name in ("label", "label_b") else want), (model_id, name)
                if name != "variant":
                    assert sent[name] == want, (model_id, name)


def test_names_follow_the_id():
    """One spelling: model id cyclegan_vc -> CycleganVcPipeline; every translator's batch core is
    `translate_batch` (arrays in, arrays out), the user-facing action built on it a method of its own."""
    for model_id in MODELS:
        cls = xmgan.registry.get_pipeline_class(model_id)
        assert cls.__name__ == "".join(p.capitalize() for p in model_id.split("_")) + "Pipeline"
        if xmgan.get_spec(model_id).task == "image->image":
            assert callable(getattr(cls, "translate_batch", None)), model_id


def test_cgan_class_walk_goes_from_one_class_to_the_other_and_back():
    """The animated class walk: the judge reads the first class at both ends and the second in the middle;
    frames large enough for a projector."""
    from PIL import Image, ImageSequence

    pipe = xmgan.load("cgan")
    with Image.open(pipe.walk(label="3", label_b="8", seed=0, variant="mnist")) as gif:
        frames = [f.convert("L") for f in ImageSequence.Iterator(gif)]
    assert len(frames) >= 40 and frames[0].width >= 300
    small = np.stack([np.asarray(f.crop((0, 0, f.width, f.width)).resize((28, 28), Image.BOX)) for f in frames])
    names = [c.split(" ")[0] for _, c in pipe.captioned(small, "mnist")]
    assert names[0] == names[-1] == "3" and names[len(names) // 2] == "8", names
