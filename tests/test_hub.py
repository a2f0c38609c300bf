"""Weight resolution: local folder -> Hub -> clear error; sha256 check; push up to the network call."""
import shutil

import pytest

from conftest import ROOT
from xmgan import hub
from xmgan.errors import WeightsNotFound, XmganError


@pytest.fixture
def local_gan(tmp_path, monkeypatch):
    shutil.copytree(hub.checkpoints_root() / "gan", tmp_path / "gan")
    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path))
    return tmp_path / "gan"


def test_local_folder_wins_without_touching_the_hub(local_gan, monkeypatch):
    import huggingface_hub

    def boom(**kw):
        raise AssertionError("the Hub must not be asked when the local folder is complete")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", boom)
    assert hub.resolve("gan") == local_gan


def test_hub_is_asked_with_configured_repo_and_revision(tmp_path, local_gan, monkeypatch):
    import huggingface_hub

    asked = {}

    def fake_download(repo_id, revision, allow_patterns):
        asked.update(repo_id=repo_id, revision=revision)
        return str(local_gan)

    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path / "empty"))
    monkeypatch.setenv("XMGAN_HUB_REPO_GAN", "someone/my-gan")
    monkeypatch.setenv("XMGAN_HUB_REVISION_GAN", "v1.2")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    assert hub.resolve("gan") == local_gan
    assert asked == {"repo_id": "someone/my-gan", "revision": "v1.2"}


def test_default_repo_naming(monkeypatch):
    monkeypatch.delenv("XMGAN_HUB_REPO_CGAN", raising=False)
    monkeypatch.setenv("XMGAN_HUB_ORG", "acme")
    assert hub.hub_repo("cgan") == ("acme/xmgan-cgan", "main")


def test_offline_error_says_how_to_get_weights(tmp_path, monkeypatch):
    import huggingface_hub.constants

    # huggingface_hub reads HF_HUB_OFFLINE from the environment once, at import: set the constant it reads
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path))
    with pytest.raises(WeightsNotFound, match=r"No weights for 'gan'.*outgoing traffic has been disabled.*train/train_gan\.py"):
        hub.resolve("gan")


@pytest.mark.parametrize("error", ["offline", "connection", "missing_repo", "timeout"])
def test_network_and_offline_errors_end_in_weights_not_found(tmp_path, monkeypatch, error):
    import huggingface_hub
    from huggingface_hub import errors

    def fake_download(**kw):
        raise {"offline": errors.OfflineModeIsEnabled("offline mode is enabled"),
               "connection": ConnectionError("network unreachable"),
               "missing_repo": errors.LocalEntryNotFoundError("no such repo in the cache"),
               "timeout": TimeoutError("read timed out")}[error]

    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    with pytest.raises(WeightsNotFound, match=r"could not be fetched"):
        hub.resolve("gan")


@pytest.mark.parametrize("bug", [TypeError("snapshot_download() got an unexpected keyword argument 'allow_patterns'"),
                                 AttributeError("'NoneType' object has no attribute 'split'"), KeyError("etag")])
def test_a_broken_download_call_is_not_reported_as_offline(tmp_path, monkeypatch, bug):
    """A bug in the call (or a changed huggingface_hub API) propagates as itself: it must not read as "the Hub
    could not be fetched", which would send the user to check a network that is fine."""
    import huggingface_hub

    def fake_download(**kw):
        raise bug

    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    with pytest.raises(type(bug)) as got:
        hub.resolve("gan")
    assert got.value is bug and not isinstance(got.value, XmganError)


def test_damaged_weights_are_refused(local_gan):
    data = bytearray((local_gan / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (local_gan / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(XmganError, match="does not match its recorded sha256"):
        hub.load_checkpoint(local_gan)


def test_push_sends_the_checked_folder(local_gan, monkeypatch):
    import huggingface_hub

    calls = []

    class FakeApi:
        def create_repo(self, repo_id, **kw):
            calls.append(("create", repo_id, kw))

        def upload_folder(self, **kw):
            calls.append(("upload", kw["repo_id"], kw))
            return "https://huggingface.co/org/gan/commit/abc"

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    assert hub.push("gan", "org/gan").endswith("/commit/abc")
    (_, repo, create_kw), (_, _, upload_kw) = calls
    assert repo == "org/gan" and create_kw["repo_type"] == "model"
    assert upload_kw["folder_path"] == str(local_gan) and "model.safetensors" in upload_kw["allow_patterns"]


def test_push_refuses_bad_repo_and_incomplete_folder(local_gan):
    with pytest.raises(XmganError, match="ORG/NAME"):
        hub.push_plan("gan", "just-a-name")
    (local_gan / "metrics.json").unlink()
    with pytest.raises(XmganError, match="lacks metrics.json"):
        hub.push_plan("gan", "org/gan")


def test_push_offline_gives_a_sentence(local_gan, capsys):
    assert hub.main(["push", "gan", "--repo", "org/gan"]) == 1  # HF_HUB_OFFLINE=1: the upload fails
    assert "Upload to org/gan failed" in capsys.readouterr().out


def test_imports_and_writes_without_fcntl(tmp_path):
    """Windows has no fcntl: hide the module, then import xmgan, load a model and write a checkpoint."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import xmgan, torch\n"
        "from xmgan import hub\n"
        "pipe = xmgan.load('gan')\n"
        f"hub.write_variant('gan', 'extra', {{'dataset': 'mnist'}}, {{'w': torch.ones(2)}}, root=__import__('pathlib').Path({str(tmp_path)!r}))\n"
        f"print(sorted(hub.load_checkpoint(__import__('pathlib').Path({str(tmp_path / 'gan')!r}))[1]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "extra/w" in out.stdout


class Killed(BaseException):
    """Stands for the writer's death at a file replacement (nothing after it runs)."""


def rewrite_gan(root, variant, value):
    import torch

    state = {k: torch.full_like(v, value) for k, v in xmgan_gan_state(root).items()}
    hub.write_variant("gan", variant, {**hub.read_json(root / "gan" / "config.json")["variants"]["mnist"],
                                        "note": f"rewrite {value}"}, state, root=root)


def xmgan_gan_state(root):
    _, tensors = hub.load_checkpoint(root / "gan")
    return hub.variant_state(tensors, "mnist")


def loads_as(folder, variant, old) -> str:
    """'old' or 'new' (the value 0.5 everywhere) after checking the folder loads; fails on anything else."""
    import torch

    import xmgan

    config, tensors = hub.load_checkpoint(folder)  # raises if the sha256 check fails
    pipe = xmgan.load("gan", folder=folder)  # every variant config.json lists builds from its tensors
    assert set(pipe.variants) == set(config["variants"])
    got = hub.variant_state(tensors, variant)
    if variant in config["variants"] and all(torch.equal(got[k], torch.full_like(old[k], 0.5)) for k in old):
        return "new"
    assert variant not in config["variants"] or all(torch.equal(got[k], old[k]) for k in old), "neither old nor new"
    return "old"


@pytest.mark.parametrize("variant", ["mnist", "new_variant"])
def test_a_writer_stopped_at_any_file_replace_leaves_a_loadable_checkpoint(local_gan, tmp_path, monkeypatch, variant):
    """Stop the writer at each of its file replacements in turn: the folder loads every time, with the old
    weights or the new ones, never as 'damaged'."""
    root = local_gan.parent
    pristine = tmp_path / "pristine"
    shutil.copytree(local_gan, pristine)
    old = xmgan_gan_state(root)
    real_replace, seen = hub.os.replace, []
    for crash_at in range(8):
        shutil.rmtree(local_gan)
        shutil.copytree(pristine, local_gan)
        calls = iter(range(100))

        def dying_replace(src, dst):
            if next(calls) == crash_at:
                raise Killed
            real_replace(src, dst)

        monkeypatch.setattr(hub.os, "replace", dying_replace)
        try:
            rewrite_gan(root, variant, 0.5)
            finished = True
        except Killed:
            finished = False
        monkeypatch.setattr(hub.os, "replace", real_replace)
        seen.append(loads_as(local_gan, variant, old))
        if finished:
            break
    assert finished and seen[0] == "old" and seen[-1] == "new", seen


def test_a_killed_writer_leaves_a_loadable_checkpoint(local_gan):
    """A real kill (os._exit in a child process) after the weights are swapped in, before config.json and
    the final sha256: the folder loads, with the new weights."""
    import subprocess
    import sys

    old = xmgan_gan_state(local_gan.parent)
    code = ("import os, sys\nsys.path.insert(0, 'tests')\nfrom xmgan import hub\nimport test_hub\n"
            "real, n = os.replace, [0]\n"
            "def replace(src, dst):\n    n[0] += 1\n    real(src, dst)\n"
            "    if str(dst).endswith('model.safetensors'): os._exit(9)\n"
            "hub.os.replace = replace\n"
            f"test_hub.rewrite_gan(__import__('pathlib').Path({str(local_gan.parent)!r}), 'mnist', 0.5)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 9, out.stderr[-2000:]
    assert len((local_gan / "model.safetensors.sha256").read_text().splitlines()) == 2  # died mid-write
    assert loads_as(local_gan, "mnist", old) == "new"
