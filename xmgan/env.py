"""A one-line description of the machine, for model cards and benchmark tables."""
from __future__ import annotations

import os
import platform


def hardware() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_name()
        threads = torch.get_num_threads()
    except ImportError:  # pragma: no cover
        threads = os.cpu_count()
    name = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            name = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"CPU {name}, {os.cpu_count()} cores, {threads} threads"
