"""Moved: the judges live in `xmgan.judges` (networks in `xmgan.judges.image`, sets, loader and cache in
`xmgan.judges.sets`). This re-export keeps in-flight code importing `xmgan.models.judge` working for today
(2026-11-23); import from `xmgan.judges` instead. It is not a model: the registry never imports it.
"""
from ..judges.image import ARCHS, Config, Judge, JudgeB, _block, _gn_block, _Residual, build_judge, predict  # noqa: F401
from ..judges.sets import Judges, _cache, get_judges  # noqa: F401
