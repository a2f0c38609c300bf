import json

import numpy as np

from xmgan import evaluate, hub


def test_frechet_distance_properties():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    assert evaluate.frechet_distance(a, a) < 1e-6
    same = evaluate.frechet_distance(a, b)
    shifted = evaluate.frechet_distance(a, b + 1.0)  # mean shift of 1 in 8 dims adds about 8
    assert same < 0.1 and abs(shifted - same - 8) < 0.5
    assert abs(evaluate.frechet_distance(a, b) - evaluate.frechet_distance(b, a)) < 1e-6


def test_class_coverage_detects_mode_collapse():
    collapsed = evaluate.class_coverage(np.full(1000, 3), 10)
    uniform = evaluate.class_coverage(np.arange(1000) % 10, 10)
    assert collapsed["classes_covered"] == 1 and collapsed["label_entropy_bits"] == 0
    assert uniform["classes_covered"] == 10 and abs(uniform["label_entropy_bits"] - np.log2(10)) < 1e-3


def test_goals_are_checked_both_ways():
    m = evaluate.with_goals("cgan", "mnist", {"accuracy": 0.995, "fd_ratio": 2.5})
    assert m["goals_met"] == {"accuracy": True, "fd_ratio_max": False}


def test_judges_read_real_test_digits():
    """The shipped judges on the fixture test images (real MNIST / Fashion-MNIST test data)."""
    res = evaluate.evaluate_judges()
    assert res["mnist"]["test_accuracy"] >= 0.97
    assert res["fashion"]["test_accuracy"] >= 0.85


def test_shipped_metrics_come_from_the_evaluate_command():
    import xmgan

    for model_id in ["judges", *xmgan.list_models()]:
        metrics = json.loads((hub.checkpoints_root() / model_id / "metrics.json").read_text())
        config = json.loads((hub.checkpoints_root() / model_id / "config.json").read_text())
        # every shipped variant is evaluated; models with several directions per variant (cyclegan,
        # stargan) have one entry per direction, each with goals of its own
        by_direction = model_id != "judges" and set(metrics) == set(
            xmgan.registry.get_pipeline_class(model_id).goals) and set(metrics) != set(config["variants"])
        assert set(metrics) == set(config["variants"]) or by_direction, model_id
        for variant, m in metrics.items():
            assert m["evaluated"]["command"] == f"python -m xmgan.evaluate {model_id}"
            assert set(m["goals_met"]) == set(m["goals"])
