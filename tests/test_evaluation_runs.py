"""`python -m xmgan.evaluate ID` end to end on the tiny fixture data, for every registered model and the
judge sets: each model's own `evaluate()` runs, and the driver writes metrics.json entries of the shipped
shape (the same entries and keys, goals, a stamp naming the weights it measured) and a card, into a copy
of checkpoints/ in a temp folder (the shipped files are never written). The figures themselves come from
128 test images per domain and mean little; test_unchanged.py and test_round2.py pin real ones."""
import functools
import inspect
import math
import shutil

import pytest
from huggingface_hub import ModelCard

import xmgan
from xmgan import evaluate, hub, judges

SHIPPED = hub.checkpoints_root()
STAMP = {"date", "hardware", "command", "seconds", "weights_sha256"}


@pytest.fixture(scope="module")
def copy_root(tmp_path_factory):
    """checkpoints/ copied (not linked: a training may replace the shipped files while a test reads them)."""
    root = tmp_path_factory.mktemp("checkpoints")
    for folder in SHIPPED.iterdir():
        if (folder / "model.safetensors").is_file():
            shutil.copytree(folder, root / folder.name, ignore=shutil.ignore_patterns(".*"))
    return root


def numbers(m: dict):
    """Every number of an entry, nested blocks included (bools aside)."""
    for v in m.values():
        if isinstance(v, dict):
            yield from numbers(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield v


@pytest.mark.parametrize("model_id", [*judges.SETS, evaluate.TEACHER, *xmgan.list_models()])
def test_evaluate_runs_on_fixtures_and_writes_metrics_of_the_shipped_shape(model_id, copy_root, monkeypatch):
    shipped = hub.read_json(SHIPPED / model_id / "metrics.json")
    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(copy_root))
    monkeypatch.setattr(xmgan, "_cache", {})  # the pipeline loads from the copy
    if model_id in xmgan.list_models():
        cls = xmgan.registry.get_pipeline_class(model_id)
        if "n" in inspect.signature(cls.evaluate).parameters:  # sampling models: 1,000 samples, not 10,000
            monkeypatch.setattr(cls, "evaluate", functools.partialmethod(cls.evaluate, n=1000))
    (copy_root / model_id / "metrics.json").unlink()  # nothing left over from the shipped file

    results = evaluate.run(model_id)

    folder = copy_root / model_id
    written = hub.read_json(folder / "metrics.json")
    assert set(written) == set(results) == set(shipped), f"{model_id}: other entries than the shipped metrics.json"
    for entry, m in written.items():
        assert set(m) - {"judges"} == set(shipped[entry]) - {"judges"}, f"{model_id}/{entry}: other keys than shipped"
        assert all(math.isfinite(x) for x in numbers(m)), f"{model_id}/{entry}: a number is not finite"
        for key, x in m.items():
            if ("accuracy" in key or "precision" in key) and isinstance(x, float):
                assert 0 <= x <= 1, (entry, key, x)
        assert set(m["goals_met"]) == set(m["goals"]) == set(shipped[entry]["goals"])
        st = m["evaluated"]
        assert STAMP <= set(st) and st["command"] == f"python -m xmgan.evaluate {model_id}"
        assert st["weights_sha256"] == hub.sha256(folder / "model.safetensors")
    card = ModelCard.load(folder / "README.md", ignore_metadata_errors=False)
    assert {r.dataset_config for r in card.data.eval_results} == set(written)
    assert hub.read_json(SHIPPED / model_id / "metrics.json") == shipped  # the shipped file untouched
