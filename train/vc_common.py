"""What the two voice-conversion training scripts share beyond train/common.py: continuing from shipped or
exported weights (`--init-from`), a wall-clock budget (`--max-minutes`), steps/s in the log, and a compact
export of the trained networks (`--export DIR`: one float16 file per network + training.json, small enough to
carry back from a GPU box, then `--init-from DIR --steps 0` writes checkpoints/<id>/ here).

Training can read a precomputed feature file instead of the corpus: XMGAN_VC_FEATURES=PATH (written by
`python -m xmgan.models._vc export PATH`), so a box without pyworld, librosa or soundfile trains too.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from common import log

from xmgan import hub


def add_arguments(p: argparse.ArgumentParser) -> None:
    """--init-from and --max-minutes (unless train/common.py's parser already has them: same meaning), --export."""
    for flag, kwargs in (("--init-from", dict(type=Path, default=None, help="start from these weights: a checkpoint "
                                              "folder (checkpoints/<id>) or an --export folder; fresh optimisers")),
                         ("--max-minutes", dict(type=float, default=0.0, help="stop after this long"))):
        try:
            p.add_argument(flag, **kwargs)
        except argparse.ArgumentError:
            pass
    p.add_argument("--export", type=Path, default=None, help="also write float16 weights + training.json here")
    p.add_argument("--fresh-d", action="store_true",
                   help="with --init-from: only the generators continue; the discriminators start afresh")
    p.add_argument("--d-noise", type=float, default=0.0,
                   help="instance noise (Sonderby et al. 2017): Gaussian noise of this std (standardised units) on "
                        "every segment D sees, real and converted, in D's and G's steps, so D cannot separate them "
                        "perfectly and G keeps a useful gradient")
    p.add_argument("--d-noise-steps", type=int, default=0,
                   help="anneal --d-noise linearly to 0 over this many steps of the run (0: constant)")
    p.add_argument("--real-label", type=float, default=1.0,
                   help="D's least-squares target for real speech (0.9: one-sided label smoothing)")


def recon(a: torch.Tensor, b: torch.Tensor, args) -> torch.Tensor:
    """The cycle / identity distance: mean |a - b| (the papers) or, with --recon-loss l2, mean (a - b)^2.
    Why l2 is offered: our generators add a global residual (an untrained G is the identity pipeline), and
    around G = identity an L1 penalty has a constant-size gradient, like a lasso: on a GPU (2026-11-24,
    cycle x10, identity x5, 3,224 steps of batch 16) G stayed the identity (mean |G(x) - x| 0.0004) while D
    separated real from converted speech (D loss 0.03). On one batch of 16 segments at those weights, the
    gradient norm over both generators' parameters is 0.51 for the adversarial loss, 1.79 for 10 x the L1
    cycle loss and 0.0015 for 10 x an L2 cycle loss: the L1 term pins G to the identity, an L2 term would
    not. (Lowering the L1 cycle weight to 3 instead let G move, but not towards the target: see
    models/cyclegan_vc.py.) Trained with l2 (2026-11-24, 100 CPU minutes on the shipped v1 cyclegan_vc): G
    left the identity (L2 cycle loss about 0.01), but away from the target, as with the lower L1 weight: the
    distance is not what holds G back; D is, never fooled (G's adversarial loss stayed near 1.9, where 2 is D
    calling every conversion fake)."""
    d = a - b
    return d.pow(2).mean() if args.recon_loss == "l2" else d.abs().mean()


def d_facts(args) -> dict:
    """The discriminator regularisers of this run, for the training facts in config.json."""
    return {"fresh_d": args.fresh_d, "d_noise": args.d_noise, "d_noise_steps": args.d_noise_steps,
            "real_label": args.real_label}


def instance_noise(x: torch.Tensor, step: int, args, g: torch.Generator) -> torch.Tensor:
    """x plus --d-noise Gaussian noise, annealed over --d-noise-steps (drawn from the step's generator `g`, so a
    resumed run draws the same noise)."""
    sigma = args.d_noise * (max(0.0, 1 - step / args.d_noise_steps) if args.d_noise_steps else 1.0)
    if sigma <= 0:
        return x
    return x + sigma * torch.randn(x.shape, generator=g).to(x.device, x.dtype)


def init_from(path: Path | None, variant: str, modules: dict[str, torch.nn.Module], fresh: tuple[str, ...] = ()
              ) -> dict:
    """Load weights named "<net>.<param>" into `modules` ({net: module}; an EMA copy is passed under its own
    net name) from a checkpoint folder or an export folder, except the nets named in `fresh` (they keep their
    initial weights). Returns the earlier training facts ({} if none)."""
    if path is None:
        return {}
    modules = {k: m for k, m in modules.items() if k not in fresh}
    if (path / "training.json").is_file():                                       # an --export folder
        facts = json.loads((path / "training.json").read_text())
        tensors = {}
        for f in path.glob("*.pt"):
            tensors.update({f"{f.stem}.{k}": v.float() for k, v in torch.load(f, weights_only=True).items()})
    else:                                                                         # a checkpoint folder
        cfg, all_tensors = hub.load_checkpoint(path)
        facts = cfg["variants"][variant].get("training", {})
        tensors = hub.variant_state(all_tensors, variant)
    for name, module in modules.items():
        state = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + ".")}
        if not state:
            raise SystemExit(f"--init-from {path}: no weights for {name}")
        try:
            module.load_state_dict(state)
        except RuntimeError as e:
            raise SystemExit(f"--init-from {path}: {name} has another shape (another --arch or width?): {e}") from None
    log.info("initialised %s from %s (%s steps before)", ", ".join(modules), path, facts.get("steps", "?"))
    return facts


def export(folder: Path, state: dict[str, torch.Tensor], facts: dict) -> None:
    """One float16 file per network (tensors "<net>.<param>" -> <net>.pt) and training.json."""
    folder.mkdir(parents=True, exist_ok=True)
    nets: dict[str, dict[str, torch.Tensor]] = {}
    for k, v in state.items():
        net, param = k.split(".", 1)
        nets.setdefault(net, {})[param] = v.detach().to("cpu", torch.float16 if v.is_floating_point() else v.dtype)
    for net, tensors in nets.items():
        tmp = folder / f"{net}.pt.tmp"
        torch.save(tensors, tmp)
        tmp.replace(folder / f"{net}.pt")
    (folder / "training.json").write_text(json.dumps({**this_run(), **facts}, indent=2))


def this_run() -> dict:
    """What names this process's run in training facts: its command line, the device and the date."""
    from datetime import date

    from xmgan.env import hardware

    return {"command": " ".join(["python", *sys.argv]), "device": hardware(), "date": date.today().isoformat()}


class Clock:
    """Steps/s for the log and the --max-minutes budget."""

    def __init__(self, start_step: int, max_minutes: float):
        self.t0, self.s0, self.budget = time.time(), start_step, max_minutes * 60

    def rate(self, step: int) -> float:
        return (step - self.s0) / max(time.time() - self.t0, 1e-9)

    def out_of_time(self) -> bool:
        return self.budget > 0 and time.time() - self.t0 > self.budget


def training_totals(tr, args, prior: dict, steps_done: int) -> dict:
    """Record totals across continuations: steps and minutes include the run we started from."""
    extra = {"steps_this_run": steps_done, "minutes_this_run": round(tr.elapsed() / 60, 1)}
    if prior:
        extra["init_from"] = str(args.init_from)
        extra["before"] = {k: prior[k] for k in ("command", "steps", "minutes", "device", "date") if k in prior}
        tr.elapsed_before += 60 * float(prior.get("minutes", 0.0))
    args.steps = tr.steps_done = int(prior.get("steps", 0)) + steps_done  # what Trainer.finish records
    return extra


def stage_facts(tr, args, facts: dict, steps_done: int) -> dict:
    """This run alone, as one stage of a history: command (paths relative to the working folder), device, date,
    steps, minutes and the recipe."""
    run = this_run()
    return {**run, "command": run["command"].replace(str(Path.cwd()) + "/", ""), "steps": steps_done,
            "minutes": round(tr.elapsed() / 60, 1), "batch": args.batch, "lr": args.lr, "precision": args.precision,
            "seed": args.seed, "torch": torch.__version__, **facts}


def history(stages: list[dict]) -> dict:
    """Stages (oldest first) -> the newest one with the others nested as `continued_from`, and the totals: the
    shape Trainer.save_pretrained writes and the model card reads."""
    chain = None
    for st in stages:
        chain = {**st, **({"continued_from": chain} if chain else {})}
    return {**chain, "total_steps": sum(s["steps"] for s in stages),
            "total_minutes": round(sum(s["minutes"] for s in stages), 1)}


def finish(tr, args, config, shipped, facts: dict, prior: dict, steps_done: int) -> None:
    """End of a VC run: totals across continuations, the --export copy, then checkpoints/<id>/ (tr.finish).

    An export keeps every stage of its history (`stages`: each run continued from the export before it), so
    that `--init-from EXPORT --steps 0` here writes the checkpoint with the whole history as the model card
    shows it (each stage's command, device, steps and minutes) instead of this no-op run's."""
    stages = list(prior.get("stages", [])) + ([stage_facts(tr, args, facts, steps_done)] if steps_done else [])
    extra = {**facts, **training_totals(tr, args, prior, steps_done)}
    if args.export and tr.main:
        export(args.export, shipped(), {**extra, "steps": args.steps, "minutes": round(tr.elapsed() / 60, 1),
                                        "stages": stages,
                                        "config": {k: v for k, v in vars(config).items() if k != "stats"}})
    if not steps_done and prior.get("stages"):   # an import of an exported run: its history, as it was
        extra = {**history(stages), "imported_by": this_run()["command"]}
    tr.finish(config, shipped(), extra=extra)
