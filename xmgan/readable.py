"""metrics.json for people: human names, units and a goal verdict per row (the app's metrics view).

metrics.json and the model card keep the raw keys; this module only renders them. Keys are read
generically: a key in NAMES gets its written name, any other key is humanised word by word, so a new
key added by the evaluation shows up readably without touching this file.

    print(readable_metrics(json.load(open("checkpoints/dtn/metrics.json"))))
"""
from __future__ import annotations

import re

# raw key -> (what it measures, in words a student can read)
NAMES = {
    "accuracy": "Judge accuracy",
    "accuracy_judge_a": "Judge accuracy, judge set A",
    "accuracy_judge_b": "Judge accuracy, judge set B",
    "accuracy_untranslated": "Judge accuracy on the untranslated input",
    "source_accuracy_untranslated": "Judge accuracy on the untranslated input",
    "drawn_accuracy": "Judge accuracy on test digits drawn on the canvas",
    "domain_accuracy": "Landed in the asked-for domain",
    "domain_accuracy_judge_b": "Landed in the asked-for domain, judge set B",
    "f_source_test_accuracy": "Classifier f on the source test set",
    "cycle_l1": "Cycle error |x − F(G(x))|",
    "fd": "Fréchet distance to real images",
    "fd_floor_train_vs_test": "Fréchet distance, real train vs real test",
    "fd_ratio": "Fréchet distance ÷ real-vs-real",
    "fd_ratio_untranslated": "Fréchet distance ÷ real-vs-real, untranslated input",
    "fd_ratio_judge_a": "Fréchet distance ÷ real-vs-real, judge set A",
    "fd_ratio_judge_b": "Fréchet distance ÷ real-vs-real, judge set B",
    "classes_covered": "Classes produced (of 10)",
    "label_entropy_bits": "Spread over classes",
    "legible_rate": "Read with ≥ 90% confidence (the lower of the two judge sets)",
    "legible_rate_judge_a": "Read with ≥ 90% confidence, judge set A",
    "legible_rate_judge_b": "Read with ≥ 90% confidence, judge set B",
    "legible_rate_ungated_baseline": "Read with ≥ 90% confidence, G's raw draws, no gate",
    "legible_rate_judge_a_ungated_baseline": "Read with ≥ 90% confidence, G's raw draws, judge set A",
    "legible_rate_judge_b_ungated_baseline": "Read with ≥ 90% confidence, G's raw draws, judge set B",
    "fd_ungated_baseline": "Fréchet distance to real images, G's raw draws, no gate",
    "fd_ratio_ungated_baseline": "Fréchet distance ÷ real-vs-real, G's raw draws, no gate",
    "gate_pass_rate": "Draws the discriminator's gate keeps",
    "real_baseline_legible_rate": "Read by the judge with ≥ 90% confidence, real test digits",
    "judge_accuracy_real_eval": "Speaker judge on real evaluation speech",
    "mean_judge_target_rate": "Heard as the target speaker (mean)",
    "min_judge_target_rate": "Heard as the target speaker (worst direction)",
    "judge_target_rate": "Heard as the target speaker",
    "mean_mcd_db": "Mel-cepstral distortion to the real target (mean)",
    "mean_mcd_baseline_db": "Mel-cepstral distortion without conversion (mean)",
    "mcd_db": "Mel-cepstral distortion to the real target",
    "mcd_baseline_db": "Mel-cepstral distortion without conversion",
    "mcd_gain_db": "Distortion removed by converting",
    "min_mcd_gain_db": "Distortion removed by converting (worst direction)",
    "mean_lf0_corr": "Pitch contour correlation with the target (mean)",
    "mean_lf0_rmse": "Pitch error, log F0 RMSE (mean)",
    "lf0_corr": "Pitch contour correlation with the target",
    "lf0_rmse": "Pitch error, log F0 RMSE",
    "real_time_factor": "Compute time ÷ speech length",
    "sound_to_image_accuracy": "Sound → image: digit judged as the spoken one",
    "image_to_sound_accuracy": "Image → sound: spoken digit heard as the drawn one",
    "image_to_sound_accuracy_before_griffin_lim": "Image → sound, read from the spectrogram before Griffin-Lim",
    "retrieval_top1_precision": "Best-matching image has the spoken digit (top-1)",
}
# Bookkeeping and per-class detail: in metrics.json and the card, not in the readable view.
HIDDEN = {"evaluated", "goals", "goals_met", "pair", "fd_reference"}
UNITS = {"db": " dB", "bits": " bits"}
WORDS = {"fd": "Fréchet distance", "mcd": "mel-cepstral distortion", "lf0": "log F0", "db": "(dB)",
         "8z": "over 8 draws of z", "l1": "L1", "rmse": "RMSE", "corr": "correlation", "c": "C", "d": "D",
         "f": "F", "untranslated": "(untranslated input)", "judge": "judge", "a": "A", "b": "B"}
DOMAINS = {"mnist": "MNIST", "usps": "USPS", "mnist_m": "MNIST-M", "printed": "printed", "fashion": "Fashion-MNIST",
           "svhn": "SVHN", "fsdd": "FSDD", "sf1": "SF1", "sf2": "SF2", "tm1": "TM1", "tm2": "TM2"}
BASELINE_WORDS = ("baseline", "untranslated", "floor", "untrained")


def is_share(key: str) -> bool:
    """A fraction shown as a percentage (accuracies, rates, precisions)."""
    return any(w in key for w in ("accuracy", "precision", "_rate", "same_reading")) or key.endswith("rate")


def human_name(key: str) -> str:
    """A raw metrics.json key in words: from NAMES, else word by word ('sound_to_image_fd' -> ...)."""
    if key in NAMES:
        name = NAMES[key]
    else:
        words = [WORDS.get(w, DOMAINS.get(w, w)) for w in key.split("_")]
        name = " ".join(words).replace("to image", "to image:").replace("  ", " ")
        name = name[:1].upper() + name[1:]
    if any(w in key for w in BASELINE_WORDS) and "baseline" not in name:
        name += " (baseline)"
    return name


def variant_name(variant: str) -> str:
    """'usps2mnist' -> 'USPS → MNIST', 'mnist_0to5' -> 'MNIST 0-4 → 5-9', 'sf1_tm1' -> 'SF1 ↔ TM1'."""
    a, sep, b = variant.partition("2")
    if sep and a in DOMAINS and b in DOMAINS:
        return f"{DOMAINS[a]} → {DOMAINS[b]}"
    if variant == "mnist_0to5":
        return "MNIST 0-4 → 5-9"
    for a in DOMAINS:
        if variant.startswith(a + "_") and variant[len(a) + 1:] in DOMAINS:
            return f"{DOMAINS[a]} ↔ {DOMAINS[variant[len(a) + 1:]]}"
    return DOMAINS.get(variant, variant)


def value_text(value, key: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and is_share(key):
        return f"{value:.2%}"
    unit = next((u for k, u in UNITS.items() if key.endswith("_" + k)), "")
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if abs(value) >= 100 else f"{value:.3f}".rstrip("0").rstrip(".") + unit
    return f"{value}{unit}"


def goal_text(key: str, value, goals: dict) -> str:
    """'met (≥ 95%)' / 'missed by 0.29 points (≥ 97%)' / '' when no goal names this key."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    for goal_key, at_most in ((key, False), (key + "_max", True)):
        if goal_key in goals:
            goal = goals[goal_key]
            share = is_share(key)
            shown = f"{goal * 100:g}%" if share else value_text(goal, key)
            bound = f"{'≤' if at_most else '≥'} {shown}"
            gap = (value - goal) if at_most else (goal - value)
            if gap <= 1e-12:
                return f"met ({bound})"
            missed = f"{gap * 100:.2f} points" if share else value_text(float(gap), key)
            return f"missed by {missed} ({bound})"
    return ""


def shown(key: str, value) -> bool:
    """A measure for the readable view: not bookkeeping, counts or per-class tables."""
    return not (key in HIDDEN or key.startswith("n_") or "per_" in key or "histogram" in key
                or isinstance(value, (list, str)) or value is None)


def rows(entry: dict) -> list[tuple[str, str, str]]:
    """(measure, value, goal) for one metrics.json entry's single figures (per-direction dicts: by_direction)."""
    goals = entry.get("goals") or {}
    return [(human_name(k), value_text(v, k), goal_text(k, v, goals))
            for k, v in entry.items() if shown(k, v) and not isinstance(v, dict)]


def by_direction(entry: dict) -> list[str]:
    """Measures given per direction ({"SF1→TM1": 0.70, ...}) as one table: a row per direction."""
    keys = [k for k, v in entry.items() if shown(k, v) and isinstance(v, dict)
            and any(isinstance(x, (int, float)) for x in v.values())]
    if not keys:
        return []
    directions = list(dict.fromkeys(d for k in keys for d in entry[k]))
    lines = ["| direction | " + " | ".join(_cell(human_name(k)) for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for d in directions:
        cells = [value_text(entry[k][d], k) if isinstance(entry[k].get(d), (int, float)) else "" for k in keys]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return lines


def wide(metrics: dict) -> list[str]:
    """Many tasks or directions (StarGAN's 12): a row each, a column per measure, the goal in the cell."""
    keys = list(dict.fromkeys(k for e in metrics.values() for k, v in e.items() if shown(k, v)
                              and not isinstance(v, dict)))
    lines = ["| direction | " + " | ".join(_cell(human_name(k)) for k in keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for variant, e in metrics.items():
        cells = []
        for k in keys:
            if k not in e or not shown(k, e[k]):
                cells.append("")
                continue
            goal = goal_text(k, e[k], e.get("goals") or {})
            mark = " ✓" if goal.startswith("met") else f" ✗ {goal}" if goal else ""
            cells.append(value_text(e[k], k) + mark)
        lines.append(f"| **{variant_name(variant)}** | " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readable_metrics(metrics: dict) -> str:
    """Markdown: one table row per measure (and per task), with units and the goal; many tasks or
    directions as one wide table; per-direction measures as a table of their own."""
    if not metrics:
        return "_No metrics yet: run `python -m xmgan.evaluate <id>`._"
    metrics = {v: e for v, e in metrics.items() if isinstance(e, dict)}
    many = len(metrics) > 1
    if len(metrics) > 4:
        lines = wide(metrics)
    else:
        lines = [("| task | " if many else "| ") + "measure | value | goal |", "|---" * (4 if many else 3) + "|"]
        for variant, entry in metrics.items():
            for i, (name, value, goal) in enumerate(rows(entry)):
                first = f"**{variant_name(variant)}** | " if i == 0 else " | "
                lines.append("| " + (first if many else "") + f"{_cell(name)} | {value} | {goal} |")
    for variant, entry in metrics.items():
        table = by_direction(entry)
        if table:
            lines += ["", f"By direction{f' ({variant_name(variant)})' if many else ''}:", ""] + table
    stamps = sorted({f"`{m['evaluated'].get('command', 'python -m xmgan.evaluate')}` on {m['evaluated']['date']}"
                     f" ({m['evaluated'].get('hardware', '')})" for m in metrics.values()
                     if isinstance(m, dict) and isinstance(m.get("evaluated"), dict) and "date" in m["evaluated"]})
    if stamps:
        lines.append("\nMeasured on held-out data by " + "; ".join(stamps) + ". Raw names and every figure: "
                     "`metrics.json` and the model card below.")
    return "\n".join(lines)
