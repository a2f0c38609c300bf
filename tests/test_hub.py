"""Weight resolution: local folder -> Hub -> clear error; sha256 check; push up to the network call."""
import shutil

import pytest

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
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("XMGAN_CHECKPOINTS", str(tmp_path))
    with pytest.raises(WeightsNotFound, match=r"No weights for 'gan'.*train/train_gan\.py"):
        hub.resolve("gan")


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
