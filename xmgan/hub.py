"""Where weights come from, and the checkpoint format.

A checkpoint folder `checkpoints/<id>/` holds
  config.json                 {"model_id", "variants": {variant: constructor kwargs + preprocessing facts}}
  model.safetensors           tensors named "<variant>/<net>.<param>" (data only, never pickles)
  model.safetensors.sha256    hex digest of model.safetensors, checked on every load
  metrics.json                {variant: numbers written by `python -m xmgan.evaluate <id>`}
  README.md                   model card
Resolution order: local folder ($XMGAN_CHECKPOINTS or ./checkpoints) -> Hugging Face Hub repo
($XMGAN_HUB_REPO_<ID>, default "<$XMGAN_HUB_ORG or xmgan>/xmgan-<id>", at $XMGAN_HUB_REVISION_<ID> or
"main") -> WeightsNotFound saying how to train or download.

    python -m xmgan.hub push ID --repo ORG/NAME   uploads checkpoints/ID as a Hub model repo
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from .errors import WeightsNotFound, XmganError

# torch and safetensors are imported where tensors are read or written, so that the app reads metrics and
# model cards (and is_local) without importing torch
if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

FILES = ("config.json", "model.safetensors", "model.safetensors.sha256", "metrics.json", "README.md")
REQUIRED = ("config.json", "model.safetensors", "model.safetensors.sha256")


def checkpoints_root() -> Path:
    env = os.environ.get("XMGAN_CHECKPOINTS")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "checkpoints"


def hub_repo(model_id: str) -> tuple[str, str]:
    """(repo id, revision) for a model, from the environment or the defaults."""
    key = model_id.upper()
    org = os.environ.get("XMGAN_HUB_ORG", "xmgan")
    repo = os.environ.get(f"XMGAN_HUB_REPO_{key}", f"{org}/xmgan-{model_id}")
    revision = os.environ.get(f"XMGAN_HUB_REVISION_{key}", "main")
    return repo, revision


def is_local(model_id: str) -> bool:
    """Whether `model_id` loads from the local checkpoints folder (no download needed)."""
    return all((checkpoints_root() / model_id / f).is_file() for f in REQUIRED)


def fetch_errors() -> tuple[type[BaseException], ...]:
    """What a Hub download raises when the weights cannot be fetched: offline mode, the network, a missing or
    gated repo, revision or file, a truncated download (OSError covers huggingface_hub's HTTP, offline and
    cache-miss errors). Anything else (a TypeError from a changed API, a bug) is not "could not be fetched"
    and propagates with its traceback."""
    from huggingface_hub import errors

    names = ("HTTPError", "HFValidationError", "EntryNotFoundError", "RevisionResolutionError", "XetDownloadError")
    return (OSError, *(getattr(errors, n) for n in names if isinstance(getattr(errors, n, None), type)))


def resolve(model_id: str) -> Path:
    """A folder holding the checkpoint files of `model_id`: local first, then the Hub."""
    local = checkpoints_root() / model_id
    if is_local(model_id):
        return local
    repo, revision = hub_repo(model_id)
    from huggingface_hub import snapshot_download

    try:
        folder = Path(snapshot_download(repo_id=repo, revision=revision, allow_patterns=list(FILES)))
    except fetch_errors() as e:  # offline, network, repo or file missing, auth: all end in the same advice
        log.info("Hub download of %s@%s failed: %r", repo, revision, e)
        reason = next((line.strip() for line in str(e).splitlines() if line.strip()), "")[:160]
        raise WeightsNotFound(
            f"No weights for {model_id!r}: {local} is missing and the Hugging Face Hub repo {repo}@{revision} "
            f"could not be fetched ({type(e).__name__}: {reason}); train them with `python train/train_{model_id}.py` "
            f"or set XMGAN_HUB_REPO_{model_id.upper()} to a reachable repo."
        ) from None
    if not all((folder / f).is_file() for f in REQUIRED):
        raise WeightsNotFound(f"The Hub repo {repo}@{revision} lacks one of {', '.join(REQUIRED)}.")
    return folder


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def recorded_digests(folder: Path) -> set[str]:
    """The digests model.safetensors may have: one line normally; two (new and old) while a write is under way."""
    lines = (folder / "model.safetensors.sha256").read_text().splitlines()
    return {line.split()[0] for line in lines if line.strip()}


def load_checkpoint(folder: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config, tensors) after checking the recorded sha256."""
    weights = folder / "model.safetensors"
    if sha256(weights) not in recorded_digests(folder):
        if folder.parent.name == "snapshots":  # a Hub download: the cache would hand back the same bytes
            raise XmganError(f"{weights} does not match its recorded sha256: the download is damaged; delete "
                             f"{folder.parents[1]} (the Hugging Face cache of that repo) and load again.")
        raise XmganError(f"{weights} does not match its recorded sha256; the file is damaged, download or train it again.")
    from safetensors.torch import load_file

    return read_json(folder / "config.json"), load_file(weights)


def variant_state(tensors: dict[str, torch.Tensor], variant: str) -> dict[str, torch.Tensor]:
    """The tensors of one variant with the "<variant>/" prefix removed."""
    prefix = f"{variant}/"
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write a whole file or nothing: a temp file in the same folder, flushed to disk, then os.replace."""
    data = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def folder_lock(folder: Path) -> FileLock:
    """One writer per checkpoint folder at a time (two trainings of one model may finish together);
    filelock works on Linux, macOS and Windows (fcntl exists only on the first two)."""
    return FileLock(str(folder / ".lock"))


def write_variant(model_id: str, variant: str, config: dict, state: dict[str, torch.Tensor],
                  root: Path | None = None) -> Path:
    """Add or replace one variant in checkpoints/<id>/, keeping the others.

    Crash-safe: every file is replaced atomically, in an order where each intermediate folder still loads.
    1. the sha256 file lists the new digest beside the old one (either weights file passes the check);
    2. model.safetensors is swapped in (a new variant's tensors are ignored until config.json names it);
    3. config.json gains the variant; 4. the sha256 file keeps only the new digest.
    """
    folder = (root or checkpoints_root()) / model_id
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder):
        return _write_variant_locked(folder, model_id, variant, config, state)


def _write_variant_locked(folder: Path, model_id: str, variant: str, config: dict,
                          state: dict[str, torch.Tensor]) -> Path:
    from safetensors.torch import load_file, save_file

    cfg = read_json(folder / "config.json") or {"model_id": model_id, "variants": {}}
    cfg["variants"][variant] = config
    weights = folder / "model.safetensors"
    tensors, old = {}, []
    if weights.is_file():
        tensors = {k: v for k, v in load_file(weights).items() if not k.startswith(f"{variant}/")}
        old = [sha256(weights)]
    tensors.update({f"{variant}/{k}": v.detach().cpu().contiguous() for k, v in state.items()})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model.safetensors.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"model_id": model_id})
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        new = sha256(Path(tmp))
        atomic_write(folder / "model.safetensors.sha256",
                     "".join(f"{d}  model.safetensors\n" for d in dict.fromkeys([new, *old])))
        os.replace(tmp, weights)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    atomic_write(folder / "config.json", json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    atomic_write(folder / "model.safetensors.sha256", f"{new}  model.safetensors\n")
    return folder


def write_metrics(model_id: str, variant: str, metrics: dict, root: Path | None = None) -> Path:
    """Add or replace one variant's entry in <id>/metrics.json. Its `evaluated` stamp records which weights
    were measured (`weights_sha256`, the digest of model.safetensors); a stamp without one (the training
    scripts that measure what they have just written) gets the digest of the folder's weights file now."""
    folder = (root or checkpoints_root()) / model_id
    st, weights = metrics.get("evaluated"), folder / "model.safetensors"
    if isinstance(st, dict) and "weights_sha256" not in st and weights.is_file():
        metrics = {**metrics, "evaluated": {**st, "weights_sha256": sha256(weights)}}
    with folder_lock(folder):  # evaluations of two variants may finish together
        all_metrics = read_json(folder / "metrics.json")
        all_metrics[variant] = metrics
        atomic_write(folder / "metrics.json", json.dumps(all_metrics, indent=2, sort_keys=True) + "\n")
    return folder / "metrics.json"


def push_plan(model_id: str, repo: str) -> dict:
    """Everything `push` sends, checked before any network call."""
    folder = checkpoints_root() / model_id
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise XmganError(f"{folder} cannot be pushed: it lacks {', '.join(missing)}.")
    load_checkpoint(folder)  # verifies the sha256
    if repo.count("/") != 1:
        raise XmganError(f"Hub repo must look like ORG/NAME, not {repo!r}.")
    return {"repo_id": repo, "folder_path": str(folder), "allow_patterns": list(FILES)}


def push(model_id: str, repo: str, private: bool = False) -> str:
    """Upload checkpoints/<id>/ as a Hub model repo; returns the commit URL."""
    plan = push_plan(model_id, repo)
    from huggingface_hub import HfApi

    api = HfApi()
    try:
        api.create_repo(plan["repo_id"], repo_type="model", private=private, exist_ok=True)
        info = api.upload_folder(repo_type="model", commit_message=f"xmgan {model_id} checkpoint", **plan)
    except Exception as e:
        raise XmganError(f"Upload to {repo} failed ({type(e).__name__}: {e}); check the network and `hf auth login`.") from None
    return str(getattr(info, "commit_url", info))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xmgan.hub")
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("push", help="upload checkpoints/ID to the Hub")
    pp.add_argument("model_id")
    pp.add_argument("--repo", required=True, help="ORG/NAME")
    pp.add_argument("--private", action="store_true")
    args = p.parse_args(argv)
    try:
        print(push(args.model_id, args.repo, args.private))
    except XmganError as e:
        print(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
