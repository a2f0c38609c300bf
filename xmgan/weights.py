"""Networks from a checkpoint folder: the one loader that model pipelines (`xmgan.pipeline`) and judges
(`xmgan.judges`) share. A folder holds config.json ({"variants": {name: constructor kwargs + facts}}) and
model.safetensors (tensors `<variant>/<net>.<param>`); `xmgan.hub` finds the folder and checks its digest.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

from torch import nn

from . import hub


def config_from_dict(cls, d: dict) -> Any:
    """A Config dataclass from saved kwargs; keys that are not fields (training facts) are left out."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in d.items() if k in names})


def load_variants(folder: Path, config_cls: type, build: Callable[[Any], nn.Module],
                  order: tuple[str, ...] = ()) -> tuple[dict[str, nn.Module], dict[str, Any], dict[str, dict]]:
    """(networks in eval mode, configs, saved kwargs) per variant of a checkpoint folder, variants named in
    `order` first (in that order), the rest as saved."""
    cfg, tensors = hub.load_checkpoint(Path(folder))
    saved = cfg.get("variants", {})
    nets, configs, extra = {}, {}, {}
    for variant in sorted(saved, key=lambda v: (order + (v,)).index(v)):
        conf = config_from_dict(config_cls, saved[variant])
        net = build(conf)
        net.load_state_dict(hub.variant_state(tensors, variant))
        nets[variant], configs[variant], extra[variant] = net.eval(), conf, saved[variant]
    return nets, configs, extra
