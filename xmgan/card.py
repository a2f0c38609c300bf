"""Model cards: checkpoints/<id>/README.md, rendered from the spec, config.json and metrics.json.

Everything in a card comes from those files, so a card never disagrees with the numbers it quotes.
"""
from __future__ import annotations

from pathlib import Path

from . import hub

DATASETS = {
    "mnist": "MNIST (LeCun, Cortes & Burges): 60,000 train / 10,000 test handwritten digits, 28x28",
    "fashion": "Fashion-MNIST (Zalando): 60,000 train / 10,000 test clothing images, 28x28, 10 classes",
    "usps": "USPS (ESL version): 7,291 train / 2,007 test digits, 16x16",
    "mnist_m": "MNIST-M (Ganin & Lempitsky): MNIST digits blended over BSDS500 photo patches, 32x32 RGB",
    "svhn": "SVHN cropped digits (Netzer et al.): 73,257 train / 26,032 test, 32x32 RGB",
    "printed": "printed digits rendered by train/make_printed_digits.py (14 matplotlib fonts, coloured ink "
               "on light paper): 60,000 train / 10,000 test, 32x32 RGB",
    "fsdd": "Free Spoken Digit Dataset (Jakobovski, CC BY-SA 4.0): 6 speakers x 10 digits x 50 takes at "
            "8 kHz; takes 0-4 = test",
    "domain": "the four digit domains MNIST, USPS, MNIST-M and printed, labelled by domain",
}


def data_line(v: dict) -> str:
    """What a variant was trained on: its dataset, or source -> target for translation models."""
    if v.get("source") and v.get("target"):
        return f"{DATASETS.get(v['source'], v['source'])} → {DATASETS.get(v['target'], v['target'])}"
    if v.get("domain_a") and v.get("domain_b"):  # a two-way pair (CycleGAN)
        return f"{DATASETS.get(v['domain_a'], v['domain_a'])} ↔ {DATASETS.get(v['domain_b'], v['domain_b'])}"
    if v.get("speech"):  # a sound <-> image pair (CMCGAN)
        return f"{DATASETS.get(v['speech'], v['speech'])} ↔ {DATASETS.get(v['dataset'], v['dataset'])}"
    if v.get("domains"):  # many domains (StarGAN)
        return "; ".join(DATASETS.get(d, d) for d in v["domains"])
    return DATASETS.get(v.get("dataset", ""), v.get("dataset", "?"))


def _fmt(v, key: str = "") -> str:
    """Accuracies as percentages, other floats with 3 decimals, lists and dicts item by item."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        share = "accuracy" in key or "precision" in key or key.endswith("_rate")
        return f"{v:.2%}" if share else f"{v:.3f}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x, k)}" for k, x in v.items())
    if isinstance(v, list):
        return " ".join(_fmt(x, key) for x in v)
    return str(v)


def metrics_table(metrics: dict) -> str:
    """A markdown table: one row per metric, one column per variant."""
    if not metrics:
        return "_No metrics yet: run `python -m xmgan.evaluate <id>`._"
    variants = list(metrics)
    skip = {"evaluated", "class_histogram", "goals", "goals_met"}
    keys = list(dict.fromkeys(k for v in variants for k in metrics[v] if k not in skip))
    if len(variants) > 4:  # many directions (StarGAN's 12): one row each, scalar metrics as columns
        keys = [k for k in keys if not any(isinstance(metrics[v].get(k), (list, dict)) for v in variants)]
        rows = ["| direction | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        rows += [f"| {v} | " + " | ".join(_fmt(metrics[v].get(k, ""), k) for k in keys) + " |" for v in variants]
    else:
        rows = ["| metric | " + " | ".join(variants) + " |", "|---|" + "---|" * len(variants)]
        for k in keys:
            rows.append(f"| {k} | " + " | ".join(_fmt(metrics[v].get(k, ""), k) for v in variants) + " |")
    goals = [f"{v}: {_fmt(metrics[v]['goals'])} → {'met' if all(metrics[v]['goals_met'].values()) else 'NOT met'}"
             for v in variants if metrics[v].get("goals")]
    stamps = {f"{m['evaluated']['date']} on {m['evaluated']['hardware']}" for m in metrics.values() if "evaluated" in m}
    if goals:
        rows.append("\nGoals: " + "; ".join(goals) + ".")
    if stamps:
        rows.append("\nMeasured by `python -m xmgan.evaluate` on " + "; ".join(sorted(stamps)) + ".")
    return "\n".join(rows)


def render(model_id: str, folder: Path) -> str:
    cfg = hub.read_json(folder / "config.json")
    metrics = hub.read_json(folder / "metrics.json")
    if model_id == "judges":
        title, paper, desc = "Judges (evaluation classifiers)", "", (
            "Small CNN classifiers, one per domain, trained on the domain's training split. xmgan uses them "
            "to read generated images (accuracy of the requested class) and their 128-d penultimate features "
            "for the Frechet distance.")
    else:
        from .registry import get_spec

        spec = get_spec(model_id)
        title, paper, desc = spec.title, f"[{spec.paper}]({spec.paper_url})", spec.description
    lines = ["---", "library_name: xmgan", "license: mit", "tags: [gan, pytorch, xmgan]", "---", "",
             f"# {title}", ""]
    if paper:
        lines += [f"Paper: {paper}", ""]
    lines += [desc, "", "## Variants and training", ""]
    for variant, v in cfg.get("variants", {}).items():
        t = v.get("training", {})
        lines += [f"### {variant}", "",
                  f"- Data: {data_line(v)}",
                  f"- Trained with `{t.get('command', '?')}`: {t.get('steps', '?')} steps, batch {t.get('batch', '?')}, "
                  f"{t.get('precision', '?')}, {t.get('minutes', '?')} min on {t.get('device', '?')} ({t.get('date', '?')}).",
                  "- Config: " + ", ".join(f"{k}={x}" for k, x in v.items() if k not in ("training", "stats")), ""]
    lines += ["## Metrics (held-out data)", "", metrics_table(metrics), "",
              "## Files", "", "`config.json` (constructor kwargs per variant), `model.safetensors` "
              "(tensors named `<variant>/<net>.<param>`), `model.safetensors.sha256`, `metrics.json`.", ""]
    return "\n".join(lines)


def write_card(model_id: str, root: Path | None = None) -> Path:
    folder = (root or hub.checkpoints_root()) / model_id
    path = folder / "README.md"
    path.write_text(render(model_id, folder))
    return path


# -- the README's results section ------------------------------------------------------------------------
START, END = "<!-- results:start (python -m xmgan.card) -->", "<!-- results:end -->"
HEADLINE = ("accuracy", "test_accuracy", "eval_accuracy", "domain_accuracy", "source_accuracy_untranslated", "cycle_l1",
            "fd", "fd_floor_train_vs_test", "fd_ratio", "classes_covered",
            "sound_to_image_accuracy", "image_to_sound_accuracy", "retrieval_top1_precision",
            "mean_mcd_db", "mean_mcd_baseline_db", "min_mcd_gain_db", "mean_judge_target_rate",
            "min_judge_target_rate", "real_time_factor")


def results_section(root: Path | None = None) -> str:
    """One table over every checkpoint folder: the headline metrics, goals, and where they came from."""
    root = root or hub.checkpoints_root()
    rows = ["| model / variant or direction | headline metrics | goals | training | evaluated |", "|---|---|---|---|---|"]
    for folder in sorted(p for p in root.iterdir() if (p / "metrics.json").is_file()):
        cfg = hub.read_json(folder / "config.json").get("variants", {})
        for variant, m in hub.read_json(folder / "metrics.json").items():
            t = cfg.get(m.get("pair", variant), cfg.get(variant, next(iter(cfg.values()), {}))).get("training", {})
            goals = "met" if m.get("goals_met") and all(m["goals_met"].values()) else (
                "missed: " + ", ".join(k for k, ok in m.get("goals_met", {}).items() if not ok) if m.get("goals_met") else "")
            cells = ", ".join(f"{k} {_fmt(m[k], k)}" for k in HEADLINE if k in m)
            rows.append(f"| {folder.name} / {variant} | {cells} | {goals} | "
                        f"{t.get('steps', '?')} steps, {t.get('minutes', '?')} min | {m.get('evaluated', {}).get('date', '?')} |")
    machines = sorted({m.get("evaluated", {}).get("hardware", "?") for folder in root.iterdir()
                       if (folder / "metrics.json").is_file() for m in hub.read_json(folder / "metrics.json").values()})
    return "\n".join(rows) + "\n\nHardware: " + "; ".join(machines) + ". FD is the Fréchet distance on the judge's " \
        "features against the real test set; the floor is the same distance from 10,000 real training images " \
        "(what a perfect generator would score)."


def update_readme(readme: Path) -> None:
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} lacks the markers {START} ... {END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{results_section()}\n{END}{tail}")


if __name__ == "__main__":
    update_readme(Path(__file__).resolve().parents[1] / "README.md")
    print("README.md results section rewritten from checkpoints/*/metrics.json")
