"""Weights over HTTP for real: `xmgan.hub.resolve` with HF_ENDPOINT pointed at a local fake Hub
(tests/fake_hub.py, loopback only) and an empty checkpoints folder. The real huggingface_hub client
resolves the revision, lists and downloads the files into its cache; xmgan checks the sha256."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from fake_hub import FakeHub, Repo
from xmgan import hub

CLIENT = r'''
import json, os, urllib.request
import huggingface_hub.constants as C
import xmgan
from xmgan import hub
from xmgan.errors import XmganError

def mark(name):
    urllib.request.urlopen(os.environ["HF_ENDPOINT"] + "/_mark/" + name).read()

out = {}
mark("first")
folder = hub.resolve("gan")
config, tensors = hub.load_checkpoint(folder)  # the sha256 check
out["first"] = {"folder": str(folder), "variants": xmgan.load("gan", folder=folder).variants}
mark("second")
out["second"] = str(hub.resolve("gan"))
mark("pinned")
os.environ["XMGAN_HUB_REVISION_GAN"] = folder.name  # snapshots/<commit sha>: an immutable revision
out["pinned"] = str(hub.resolve("gan"))
mark("offline")
C.HF_HUB_OFFLINE = True
del os.environ["XMGAN_HUB_REVISION_GAN"]
out["offline"] = str(hub.resolve("gan"))
C.HF_HUB_OFFLINE = False
mark("errors")
for repo in ("xmgan/missing", "xmgan/truncated", "xmgan/flipped"):
    os.environ["XMGAN_HUB_REPO_GAN"] = repo
    try:
        hub.load_checkpoint(hub.resolve("gan"))
        out[repo] = "loaded"
    except XmganError as e:
        out[repo] = f"{type(e).__name__}: {e}"
mark("end")
print("RESULT" + json.dumps(out))
'''


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hubhttp")
    gan = hub.checkpoints_root() / "gan"
    repos = {"xmgan/xmgan-gan": Repo(gan), "xmgan/truncated": Repo(gan, {"model.safetensors": "truncate"}),
             "xmgan/flipped": Repo(gan, {"model.safetensors": "flip"})}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "XMGAN_HUB"))}
    (tmp / "empty").mkdir()
    with FakeHub(repos) as server:
        env.update(HF_ENDPOINT=server.url, HF_HOME=str(tmp / "hf"), HF_HUB_CACHE=str(tmp / "cache"),
                   HF_HUB_DISABLE_TELEMETRY="1", XMGAN_CHECKPOINTS=str(tmp / "empty"),
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        proc = subprocess.run([sys.executable, "-c", CLIENT], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout.split("RESULT", 1)[1])
        yield out, server, repos, tmp


def test_first_load_downloads_every_file_through_the_real_client(run):
    out, server, repos, tmp = run
    folder = out["first"]["folder"]
    assert folder.startswith(str(tmp / "cache")) and folder.endswith(repos["xmgan/xmgan-gan"].sha)
    assert out["first"]["variants"] == ["mnist"]
    asked = server.between("first", "second")
    assert ("GET", "/api/models/xmgan/xmgan-gan/revision/main") in asked  # revision resolution
    got = {p.rsplit("/", 1)[1] for m, p in asked if m == "GET" and "/resolve/" in p}
    assert got == set(hub.FILES)
    for name in hub.FILES:  # byte for byte what the repo holds
        assert (ROOT / "checkpoints" / "gan" / name).read_bytes() == open(os.path.join(folder, name), "rb").read()


def test_second_load_uses_the_cache(run):
    out, server, _, _ = run
    assert out["second"] == out["pinned"] == out["offline"] == out["first"]["folder"]
    again = server.between("second", "pinned")
    assert again == [("GET", "/api/models/xmgan/xmgan-gan/revision/main")]  # only: where does main point now?
    assert server.between("pinned", "offline") == []  # a commit sha needs no request at all
    assert server.between("offline", "errors") == []


def test_missing_repo_and_damaged_downloads_give_clear_errors(run):
    out, _, _, _ = run
    assert out["xmgan/missing"].startswith("WeightsNotFound: No weights for 'gan'")
    assert "xmgan/missing@main" in out["xmgan/missing"] and "RepositoryNotFoundError" in out["xmgan/missing"]
    assert out["xmgan/truncated"].startswith("WeightsNotFound") and "size" in out["xmgan/truncated"]
    assert out["xmgan/flipped"].startswith("XmganError") and "does not match its recorded sha256" in out["xmgan/flipped"]
    assert "models--xmgan--flipped (the Hugging Face cache of that repo)" in out["xmgan/flipped"]
