"""Model cards are Hub model cards: metadata parsed by huggingface_hub, a model-index that holds every
headline number of metrics.json (per variant / direction, baselines included), one path for models and judges."""
import json
import shutil

import pytest
from huggingface_hub import ModelCard

from xmgan import card, hub

FOLDERS = sorted(p.name for p in hub.checkpoints_root().iterdir() if (p / "metrics.json").is_file())
LICENSES = {"mit", "cc-by-sa-4.0"}
TAGS = {"unconditional-image-generation", "image-to-image", "audio-to-audio", "any-to-any", "image-classification",
        "audio-classification"}


def index_of(c: ModelCard) -> dict[tuple[str, str], float]:
    """{(variant, metric key): value} from a card's parsed model-index."""
    return {(r.dataset_config, r.metric_type): r.metric_value for r in c.data.eval_results or []}


def expected(metrics: dict) -> dict[tuple[str, str], float]:
    return {(variant, k): v for variant, m in metrics.items() for k, v in card.headline(m).items()}


@pytest.mark.parametrize("model_id", FOLDERS)
def test_shipped_card_is_a_hub_card_whose_model_index_matches_metrics_json(model_id):
    folder = hub.checkpoints_root() / model_id
    c = ModelCard.load(folder / "README.md", ignore_metadata_errors=False)  # raises on a malformed model-index
    metrics = hub.read_json(folder / "metrics.json")
    assert index_of(c) == expected(metrics), f"run `python -m xmgan.card` to refresh {folder}/README.md"
    assert c.data.library_name == "xmgan" and c.data.license in LICENSES and c.data.pipeline_tag in TAGS
    assert set(c.data.datasets or []) <= set(card.HUB_DATASETS.values())
    assert c.text.lstrip().startswith("# ")  # the body, without the metadata block
    assert card.card_text(folder) == c.text  # what the app shows, read without parsing the metadata


def test_round_trip_through_save_and_load(tmp_path):
    folder = tmp_path / "cyclegan"
    shutil.copytree(hub.checkpoints_root() / "cyclegan", folder)
    path = card.write_card("cyclegan", tmp_path)
    c = ModelCard.load(path, ignore_metadata_errors=False)
    again = tmp_path / "again.md"
    c.save(again)
    assert ModelCard.load(again).data.to_dict() == c.data.to_dict()
    metrics = hub.read_json(folder / "metrics.json")
    assert index_of(c) == expected(metrics) and len(index_of(c)) >= 4 * len(metrics)
    for r in c.data.eval_results:  # a direction is measured on its source domain's test split
        source = r.dataset_config.split("2")[0]
        assert r.dataset_type == card.HUB_DATASETS.get(source, source)
    baselines = {k for (_, k) in index_of(c) if card.is_baseline(k)}
    assert {"accuracy_untranslated", "fd_ratio_untranslated", "fd_floor_train_vs_test"} <= baselines
    assert set(c.data.datasets) == {"ylecun/mnist", "flwrlabs/usps", "Mike0307/MNIST-M"}


def test_new_metric_keys_and_per_direction_blocks_reach_the_card(tmp_path):
    """Keys the card code has never heard of (a second judge, a per-direction block) appear; counts,
    per-class tables and stamps do not."""
    folder = tmp_path / "dtn"
    shutil.copytree(hub.checkpoints_root() / "dtn", folder)
    metrics = hub.read_json(folder / "metrics.json")
    variant = next(iter(metrics))
    metrics[variant]["accuracy_judge_b"] = 0.5
    metrics[variant]["directions"] = {"a2b": {"accuracy_judge_a": 0.25, "n_test": 7}}
    metrics[variant]["per_direction"] = {"sf1_to_tm1": {"mcd_identity_db": 8.5, "source": "SF1"}}
    (folder / "metrics.json").write_text(json.dumps(metrics))
    got = index_of(ModelCard.load(card.write_card("dtn", tmp_path)))
    assert got[(variant, "accuracy_judge_b")] == 0.5
    assert got[(variant, "directions a2b accuracy_judge_a")] == 0.25
    assert got[(variant, "per_direction sf1_to_tm1 mcd_identity_db")] == 8.5
    assert card.is_baseline("per_direction sf1_to_tm1 mcd_identity_db")
    assert not any("n_test" in k or "per_class" in k or "evaluated" in k for (_, k) in got)


def test_judges_and_models_share_one_path(tmp_path):
    for model_id in ("speaker_judge", "gan"):
        shutil.copytree(hub.checkpoints_root() / model_id, tmp_path / model_id)
        c = ModelCard.load(card.write_card(model_id, tmp_path))
        assert c.data.eval_results and ("judge" in c.data.tags) == model_id.endswith("judge")


def test_readme_results_table_is_what_the_card_command_writes():
    """The README's results section equals what `python -m xmgan.card` would write from checkpoints/*/metrics.json
    (computed, nothing written): a hand-edited number or a metrics.json re-evaluated without the command fails."""
    from conftest import ROOT

    text = (ROOT / "README.md").read_text()
    assert card.with_results(text) == text, "run `python -m xmgan.card` to rewrite the README's results table"
    row = next(line for line in text.split(card.START, 1)[1].splitlines() if line.startswith("| judges / "))
    edited = text.replace(row, row.replace("%", "1%", 1))  # one number drifts by hand
    assert edited != text and card.with_results(edited) == text  # ... and the command would put it back
