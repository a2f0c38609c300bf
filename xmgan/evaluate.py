"""Evaluation on held-out data; writes checkpoints/<id>/metrics.json and refreshes the model card.

    python -m xmgan.evaluate judges        # test accuracy of every judge (judges_b: the second judge set)
    python -m xmgan.evaluate teacher       # the translators' digit teacher on the four domains' test sets
    python -m xmgan.evaluate gan           # FD on judge features vs MNIST test, floor, class coverage
    python -m xmgan.evaluate cgan          # + judge accuracy on the requested class, per class
    python -m xmgan.evaluate cyclegan      # per direction: label kept, cycle error, FD
    python -m xmgan.evaluate stargan_vc    # per direction: MCD beside the no-conversion MCD, speaker judge, log-F0

Frechet distance (FD) is computed on the 128-d penultimate features of the domain's judge, against the
real test set; beside it, the floor: the same distance between 10,000 real *training* images and the
test set, i.e. what a perfect generator would score at this sample size.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import date

from . import hub, judges, load
from .card import write_card
from .data import DOMAINS, load_images, to_float
from .domains import load_frames
from .env import hardware
from .errors import XmganError
from .metrics import accuracy_report, goals_met
from .registry import get_pipeline_class, list_models

log = logging.getLogger(__name__)
TEACHER = "teacher"  # the translators' digit teacher (train/train_judges.py --teacher): measured, never a judge


def evaluate_judges(n: int | None = None, model_id: str = judges.FIRST) -> dict:
    """Test accuracy of every judge of a judge set ("judges" or "judges_b") on its domain's test set."""
    return judges.test_accuracy(model_id, n)


def evaluate_teacher() -> dict:
    """The translators' teachers (checkpoints/teacher/, training aids, never evaluation judges): the digit
    teacher's accuracy on each of the four digit domains' test sets, in the shared layout it was trained on,
    and the Fashion-MNIST teacher's on the Fashion-MNIST test set."""
    teachers = judges.Judges(model_id=TEACHER)
    out = {}
    if "digits4" in teachers.models:
        out["digits4"] = {}
        for domain in DOMAINS:
            x, y = load_frames(domain, "test", 3)
            pred, _ = judges.predict(teachers["digits4"], x)
            out["digits4"][f"test_accuracy_{domain}"] = accuracy_report(pred, y.numpy(), range(10))["accuracy"]
            out["digits4"][f"n_test_{domain}"] = int(len(y))
    if "fashion" in teachers.models:
        test = load_images("fashion", "test")
        pred, _ = judges.predict(teachers["fashion"], to_float(test.x))
        out["fashion"] = {"test_accuracy": accuracy_report(pred, test.y, range(10))["accuracy"],
                          "n_test": int(len(test.y))}
    return out


def run_model(model_id: str) -> dict:
    """Evaluate every variant of a registered model with its pipeline's own `evaluate(variant)`. A model
    whose variant holds several directions (CycleGAN's pair, StarGAN's 12) returns {"by_direction": {name:
    metrics}}; each direction is then an entry of metrics.json of its own, with its own goals."""
    pipe = load(model_id)
    out = {}
    for v in pipe.variants:
        m = pipe.evaluate(v)
        out.update(m["by_direction"] if "by_direction" in m else {v: m})
    if hasattr(pipe, "write_samples"):  # outputs to listen to beside the card (cmcgan's generated speech)
        pipe.write_samples(hub.checkpoints_root() / model_id / "samples")
    return out


def goals_of(model_id: str, variant: str) -> dict:
    if model_id in judges.SETS:
        return judges.GOALS[model_id].get(variant, {})
    if model_id == TEACHER:
        return {}
    return get_pipeline_class(model_id).goals.get(variant, {})


def with_goals(model_id: str, variant: str, m: dict) -> dict:
    goals = goals_of(model_id, variant)
    return {**m, "goals": goals, "goals_met": goals_met(m, goals)}


def stamp(model_id: str, seconds: float, judged_by: tuple[str, ...] = (), weights_sha256: str = "") -> dict:
    """How a metrics entry was made: date, machine, command, time, the sha256 of the model.safetensors it
    measured, and which judge sets read the outputs."""
    out = {"date": date.today().isoformat(), "hardware": hardware(),
           "command": f"python -m xmgan.evaluate {model_id}", "seconds": round(seconds, 1)}
    if weights_sha256:
        out["weights_sha256"] = weights_sha256
    if judged_by:
        absent = [s for s in judges.SETS if s not in judged_by]
        out["judges"] = list(judged_by)
        if absent:
            out["judges_note"] = f"read by one judge set ({', '.join(judged_by)}); {', '.join(absent)} absent"
    return out


def run(model_id: str) -> dict:
    """Evaluate a judge set or a model, write its metrics.json entries (with goals and stamp) and its card."""
    if model_id not in (*judges.SETS, TEACHER) and model_id not in list_models():
        raise XmganError(f"No evaluation for {model_id!r}; choose one of "
                         f"{', '.join([*judges.SETS, TEACHER, *list_models()])}.")
    t0 = time.time()
    weights = hub.resolve(model_id) / "model.safetensors"  # the file every loader below reads
    digest = hub.sha256(weights)
    if model_id in judges.SETS:
        results, judged_by = evaluate_judges(model_id=model_id), ()
    elif model_id == TEACHER:
        results, judged_by = evaluate_teacher(), ()
    else:
        judged_by = judges.available()
        if len(judged_by) < len(judges.SETS):
            log.warning("evaluating %s with one judge set (%s): the others are absent", model_id, ", ".join(judged_by))
        results = run_model(model_id)
    if hub.sha256(weights) != digest:
        raise XmganError(f"{weights} changed while {model_id} was being evaluated (a training finished?); "
                         f"nothing was written: evaluate it again.")
    st = stamp(model_id, time.time() - t0, judged_by, digest)
    for variant, m in results.items():
        hub.write_metrics(model_id, variant, {**with_goals(model_id, variant, m), "evaluated": st})
    write_card(model_id)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xmgan.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_id", nargs="+", help="judges, judges_b, or registered model ids (xmgan.list_models())")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        for model_id in args.model_id:
            results = run(model_id)
            for variant, m in results.items():
                shown = {k: v for k, v in m.items() if not isinstance(v, list)}
                print(f"{model_id}/{variant}: {shown}")
    except XmganError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
