"""Model cards: checkpoints/<id>/README.md, a Hugging Face Hub model card rendered from the spec (or the
judge's description below), config.json and metrics.json, through `huggingface_hub.ModelCard`.

Everything in a card comes from those files, so a card never disagrees with the numbers it quotes. The
card's metadata carries license, datasets, pipeline_tag, library_name, tags and a `model-index` with every
headline number of metrics.json (per variant or direction, baselines beside them), so the Hub shows them.
Models and judges take the same path:

    python -m xmgan.card          # rewrite every checkpoints/*/README.md and the README's results table
"""
from __future__ import annotations

import logging
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from . import hub
from .errors import XmganError

log = logging.getLogger(__name__)

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
    "vcc2016": "Voice Conversion Challenge 2016 (Toda et al.): parallel English read speech; xmgan uses "
               "speakers SF1, SF2 (female) and TM1, TM2 (male), training sentences 100001-100162, "
               "evaluation sentences 200001-200054",
}
# Hub dataset repos of the public datasets (the card's `datasets:` links); the others have none.
HUB_DATASETS = {"mnist": "ylecun/mnist", "fashion": "zalando-datasets/fashion_mnist", "usps": "flwrlabs/usps",
                "mnist_m": "Mike0307/MNIST-M", "svhn": "ufldl-stanford/svhn"}
SHARE_ALIKE = {"fsdd"}  # trained on CC BY-SA data: the weights carry that license
PIPELINE_TAGS = {"sample": "unconditional-image-generation", "image->image": "image-to-image",
                 "audio->audio": "audio-to-audio", "audio<->image": "any-to-any"}
# Checkpoint folders that are not registered models: the evaluation classifiers. (title, description, tag)
JUDGES = {
    "judges": ("Judges (evaluation classifiers)",
               "Small CNN classifiers, one per domain, trained on the domain's training split. xmgan uses them "
               "to read generated images (accuracy of the requested class) and their 128-d penultimate "
               "features for the Frechet distance.", "image-classification"),
    "judges_b": ("Second judges (independent evaluation classifiers)",
                 "A second, independently trained classifier per domain (a different architecture), so that "
                 "every reported accuracy can be read by two judges.", "image-classification"),
    "teacher": ("Teachers (training aids, not evaluation judges)",
                "digits4: a digit classifier trained on the labelled training splits of MNIST, USPS, MNIST-M and "
                "the printed digits in their shared 32x32 layout, with its own seed. CycleGAN, StarGAN (round 2) "
                "and the latent-space GAN into digits learn through it (CyCADA's semantic consistency). fashion: "
                "a Fashion-MNIST classifier, with its own seed, that the latent-space GAN's MNIST -> Fashion "
                "mapper learns through. Evaluation never reads either.", "image-classification"),
    "speaker_judge": ("Speaker judge (VCC2016: SF1, SF2, TM1, TM2)",
                      "A 1-D CNN over WORLD mel-cepstra c1..c35 (alpha 0.42, 5 ms frames, one global "
                      "standardisation), logits averaged over the utterance's speech frames. Trained on the "
                      "training split only; it reads converted speech in `python -m xmgan.evaluate stargan_vc "
                      "cyclegan_vc`.", "audio-classification"),
    "speaker_wave_judge": ("Speaker judge on waveforms (VCC2016: SF1, SF2, TM1, TM2)",
                           "A second speaker classifier that reads the waveform through its own front end, "
                           "so converted speech is judged independently of WORLD features.",
                           "audio-classification"),
    "spoken_wave_judge": ("Spoken-digit judge on waveforms (FSDD)",
                          "A spoken-digit classifier that listens to the waveform (resampled to 16 kHz) through "
                          "the waveform judges' own 80-band log-mel front end (`xmgan/judges/wave.py`), never "
                          "CMCGAN's features. It reads the sound CMCGAN makes from an image in `python -m "
                          "xmgan.evaluate cmcgan`. Trained on recorded FSDD speech only (never vocoded or "
                          "generated); its test split has the same six speakers as its training split.",
                          "audio-classification"),
    "spoken_judge": ("Spoken-digit judge (evaluation classifier)",
                     "A small CNN (`xmgan/judges/spoken.py`) that hears which digit (0-9) a 32-band x "
                     "64-frame log-mel spectrogram (8 kHz, 1.008 s) says. xmgan uses it to judge cmcgan's "
                     "generated speech (after Griffin-Lim) and to caption the app's audio. Its test split has "
                     "the same six speakers as its training split: new takes of known voices, not new "
                     "speakers.", "audio-classification"),
}
# config.json keys too long for the card's one-line config (statistics tables)
LONG_CONFIG = ("training", "stats", "mcep_mean", "mcep_std")
# metrics.json keys that are bookkeeping or detail (tables, histograms, counts), not headline numbers
BOOKKEEPING = {"evaluated", "goals", "goals_met", "pair"}
BASELINE_WORDS = ("baseline", "untranslated", "floor", "untrained", "identity", "no_conversion")



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
        share = "accuracy" in key or "precision" in key or "_rate" in key  # legible_rate_judge_a, judge_target_rate_identity, ...
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
    stamps = {f"`{m['evaluated'].get('command', 'python -m xmgan.evaluate')}` on {m['evaluated']['date']}, "
              f"{m['evaluated']['hardware']}" for m in metrics.values() if "evaluated" in m}
    if goals:
        rows.append("\nGoals: " + "; ".join(goals) + ".")
    if stamps:
        rows.append("\nMeasured by " + "; ".join(sorted(stamps)) + ".")
    return "\n".join(rows)


def _detail(key: str, value) -> bool:
    """Bookkeeping, a count, a histogram, or a per-class / per-speaker table of plain numbers (a block of
    blocks, e.g. per direction, is not a detail)."""
    blocks = isinstance(value, dict) and value and all(isinstance(x, dict) for x in value.values())
    return (key in BOOKKEEPING or key.startswith("n_") or "histogram" in key
            or ("per_" in key and not blocks))


def headline(m: dict) -> dict[str, float]:
    """Every headline number of one metrics.json entry, whatever its keys: top-level numbers, and numbers
    one or two levels down (per-direction blocks) as "<key> <subkey>"; counts, per-class tables,
    histograms, goals and stamps left out."""
    out: dict[str, float] = {}
    for k, v in m.items():
        if _detail(k, v) or isinstance(v, bool):
            continue
        if isinstance(v, (int, float)):
            out[k] = v
        elif isinstance(v, dict):
            for sub, value in headline(v).items():
                out[f"{k} {sub}"] = value
    return out


def is_baseline(key: str) -> bool:
    return any(w in key for w in BASELINE_WORDS)


def variant_config(cfg: dict, variant: str, m: dict) -> dict:
    """config.json's entry behind a metrics.json entry (a direction names its pair in `pair`)."""
    variants = cfg.get("variants", {})
    return variants.get(m.get("pair", variant)) or variants.get(variant) or next(iter(variants.values()), {})


def evaluated_on(variant: str, v: dict) -> str:
    """The dataset whose held-out split a metrics entry was measured on: a direction's source domain, a
    translation's source, else the variant's dataset."""
    a, _, b = variant.partition("2")
    if a in DATASETS and b in DATASETS:
        return a
    if v.get("source") in DATASETS:
        return v["source"]
    return v.get("speech") or v.get("dataset", variant)


def datasets_of(v: dict) -> list[str]:
    names = [v.get(k) for k in ("source", "target", "domain_a", "domain_b", "speech", "dataset")] + v.get("domains", [])
    return [n for n in dict.fromkeys(names) if n in DATASETS]


def eval_results(model_id: str, cfg: dict, metrics: dict, task_type: str) -> list[EvalResult]:
    """One EvalResult per headline number per variant / direction (its baseline is one of them)."""
    results = []
    for variant, m in metrics.items():
        data = evaluated_on(variant, variant_config(cfg, variant, m))
        for key, value in headline(m).items():
            results.append(EvalResult(
                task_type=task_type, task_name=f"{model_id} {variant}",
                dataset_type=HUB_DATASETS.get(data, data), dataset_name=DATASETS.get(data, data).split(":")[0],
                dataset_config=variant, dataset_split="test",
                metric_type=key, metric_name=f"{variant}: {key}" + (" (baseline)" if is_baseline(key) else ""),
                metric_value=value))
    return results


def describe(model_id: str) -> tuple[str, str, str, str]:
    """(title, paper line, description, pipeline tag) of a registered model or a judge folder."""
    from .registry import get_spec, list_models

    if model_id in list_models():
        spec = get_spec(model_id)
        return spec.title, f"[{spec.paper}]({spec.paper_url})", spec.description, PIPELINE_TAGS[spec.task]
    title, desc, tag = JUDGES.get(model_id, (model_id.replace("_", " ").capitalize(), "An xmgan checkpoint.", ""))
    return title, "", desc, tag


def card_data(model_id: str, folder: Path) -> ModelCardData:
    cfg = hub.read_json(folder / "config.json")
    metrics = hub.read_json(folder / "metrics.json")
    title, _, _, tag = describe(model_id)
    used = list(dict.fromkeys(d for v in cfg.get("variants", {}).values() for d in datasets_of(v)))
    return ModelCardData(
        license="cc-by-sa-4.0" if SHARE_ALIKE & set(used) else "mit", library_name="xmgan",
        pipeline_tag=tag or None, tags=["gan", "pytorch", "xmgan", model_id] + (["judge"] if model_id in JUDGES else []),
        datasets=[HUB_DATASETS[d] for d in used if d in HUB_DATASETS] or None,
        model_name=f"xmgan-{model_id}", eval_results=eval_results(model_id, cfg, metrics, tag or "other") or None)


def history_lines(t: dict) -> list[str]:
    """The earlier stages of a run continued from shipped weights (--init-from), newest first, and the totals."""
    lines, prev = [], t.get("continued_from")
    while prev:
        lines.append(f"  - continued from `{prev.get('command', '?')}`: {prev.get('steps', '?')} steps, "
                     f"{prev.get('minutes', '?')} min on {prev.get('device', '?')} ({prev.get('date', '?')})")
        prev = prev.get("continued_from")
    if lines:
        lines.append(f"  - in all: {t.get('total_steps', '?')} steps, {t.get('total_minutes', '?')} min")
    return lines


def training_span(t: dict) -> str:
    """Steps and minutes of a variant's training, all stages counted."""
    if "total_steps" in t:
        return f"{t['total_steps']} steps, {t.get('total_minutes', '?')} min (last stage {t.get('steps', '?')}, {t.get('minutes', '?')} min)"
    return f"{t.get('steps', '?')} steps, {t.get('minutes', '?')} min"


def render(model_id: str, folder: Path) -> str:
    """The card's markdown body (below the metadata)."""
    cfg = hub.read_json(folder / "config.json")
    metrics = hub.read_json(folder / "metrics.json")
    title, paper, desc, _ = describe(model_id)
    lines = [f"# {title}", ""]
    if paper:
        lines += [f"Paper: {paper}", ""]
    lines += [desc, "", "## Variants and training", ""]
    for variant, v in cfg.get("variants", {}).items():
        t = v.get("training", {})
        lines += [f"### {variant}", "",
                  f"- Data: {data_line(v)}",
                  f"- Trained with `{t.get('command', '?')}`: {t.get('steps', '?')} steps, batch {t.get('batch', '?')}, "
                  f"{t.get('precision', '?')}, {t.get('minutes', '?')} min on {t.get('device', '?')} ({t.get('date', '?')}).",
                  *history_lines(t),
                  "- Config: " + ", ".join(f"{k}={x}" for k, x in v.items() if k not in LONG_CONFIG), ""]
    lines += ["## Metrics (held-out data)", "", metrics_table(metrics), ""]
    heard = sorted((folder / "samples").glob("*.wav")) if (folder / "samples").is_dir() else []
    if heard:  # sounds written by the evaluation, so a reader can listen to what the figures describe
        lines += ["## Listen", "", "Generated by the shipped weights during `python -m xmgan.evaluate "
                  f"{model_id}` (held-out inputs): " + ", ".join(f"[{f.stem}](samples/{f.name})" for f in heard) + ".", ""]
    if model_id not in JUDGES:
        lines += ["## Use", "", "```python", "import xmgan", f'pipe = xmgan.load("{model_id}")   '
                  f"# checkpoints/{model_id}/ or the Hub repo xmgan/xmgan-{model_id}", "```", ""]
    lines += ["## Files", "", "`config.json` (constructor kwargs per variant), `model.safetensors` "
              "(tensors named `<variant>/<net>.<param>`), `model.safetensors.sha256`, `metrics.json`.", ""]
    return "\n".join(lines)


def make_card(model_id: str, folder: Path) -> ModelCard:
    return ModelCard(f"---\n{card_data(model_id, folder).to_yaml()}\n---\n\n{render(model_id, folder)}")


def write_card(model_id: str, root: Path | None = None) -> Path:
    folder = (root or hub.checkpoints_root()) / model_id
    path = folder / "README.md"
    hub.atomic_write(path, str(make_card(model_id, folder)))
    return path


def card_text(folder: Path) -> str | None:
    """The body of a checkpoint folder's card (what the app shows), or None: `ModelCard.load(...).text`
    without parsing the metadata block (the YAML of nine cards took 0.3-0.6 s of building the page; the
    tests load every card with ModelCard and check its metadata)."""
    path = Path(folder) / "README.md"
    if not path.is_file():
        return None
    content = path.read_text(encoding="utf-8")
    block = REGEX_YAML_BLOCK.search(content)  # how ModelCard splits metadata from the body
    return content[block.end():] if block else content


# -- the README's results section ------------------------------------------------------------------------
START, END = "<!-- results:start (python -m xmgan.card) -->", "<!-- results:end -->"


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
            cells = ", ".join(f"{k} {_fmt(x, k)}" for k, x in m.items() if k in headline(m))  # top level only
            rows.append(f"| {folder.name} / {variant} | {cells} | {goals} | "
                        f"{training_span(t)} | {m.get('evaluated', {}).get('date', '?')} |")
    machines = sorted({m.get("evaluated", {}).get("hardware", "?") for folder in root.iterdir()
                       if (folder / "metrics.json").is_file() for m in hub.read_json(folder / "metrics.json").values()})
    return "\n".join(rows) + "\n\nHardware: " + "; ".join(machines) + ". FD is the Fréchet distance on the judge's " \
        "features against the real test set; the floor is the same distance from 10,000 real training images " \
        "(what a perfect generator would score)."


def with_results(text: str, root: Path | None = None) -> str:
    """A README's text with its results section (between START and END) replaced by `results_section()`;
    what `python -m xmgan.card` writes, computed without writing."""
    if START not in text or END not in text:
        raise XmganError(f"the README lacks the markers {START} ... {END}")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{results_section(root)}\n{END}{tail}"


def update_readme(readme: Path) -> None:
    try:
        text = with_results(readme.read_text())
    except XmganError as e:
        raise SystemExit(f"{readme}: {e}") from None
    hub.atomic_write(readme, text)


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(prog="python -m xmgan.card", description="rewrite model cards and the README table")
    p.add_argument("model_id", nargs="*", help="checkpoint folders to rewrite the card of (default: every one)")
    root = hub.checkpoints_root()
    ids = p.parse_args(argv).model_id or sorted(f.name for f in root.iterdir() if (f / "metrics.json").is_file())
    for model_id in ids:
        print(write_card(model_id, root))
    update_readme(Path(__file__).resolve().parents[1] / "README.md")
    print("README.md results section rewritten from checkpoints/*/metrics.json")


if __name__ == "__main__":
    main()
