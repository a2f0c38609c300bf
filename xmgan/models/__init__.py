"""One file per model: Config dataclass, networks (G and D), Pipeline."""
