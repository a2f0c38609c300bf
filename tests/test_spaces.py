"""Ready for a Hugging Face Space: the README's front matter configures it, and app.py listens where the
Space tells it (GRADIO_SERVER_NAME=0.0.0.0). Traffic goes to loopback only."""
import os
import subprocess
import sys
import time
import urllib.request

import gradio
from huggingface_hub import SpaceCard

import xmgan
from conftest import ROOT
from xmgan import card, hub


def test_front_matter_configures_a_gradio_space():
    data = SpaceCard.load(ROOT / "README.md").data
    assert data.sdk == "gradio" and data.sdk_version == gradio.__version__
    assert f"gradio=={data.sdk_version}" in (ROOT / "requirements.txt").read_text()
    assert data.python_version == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert (ROOT / data.app_file).is_file() and data.title and data.emoji and data.colorFrom and data.colorTo
    assert len(data.short_description) <= 60
    for model_id in xmgan.list_models() + ["judges"]:  # every tab's weights and the judges are linked
        assert hub.hub_repo(model_id)[0] in data.models
    assert all((hub.checkpoints_root() / m.split("xmgan-", 1)[1]).is_dir() for m in data.models)
    assert set(data.datasets) <= set(card.HUB_DATASETS.values())


def test_host_and_port_follow_gradio_variables_with_xmgan_overrides(monkeypatch):
    import app

    for name in ("XMGAN_HOST", "XMGAN_PORT", "GRADIO_SERVER_NAME", "GRADIO_SERVER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert app.launch_options() == {"server_name": "127.0.0.1", "server_port": 7860}
    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    assert app.launch_options() == {"server_name": "0.0.0.0", "server_port": 7861}
    monkeypatch.setenv("XMGAN_HOST", "127.0.0.1")
    monkeypatch.setenv("XMGAN_PORT", "7862")
    assert app.launch_options() == {"server_name": "127.0.0.1", "server_port": 7862}


def listening_addresses(port: int) -> set[str]:
    """Local IPv4 addresses with a socket in LISTEN state on `port` (Linux /proc/net/tcp)."""
    found = set()
    for line in (open("/proc/net/tcp").read().splitlines()[1:]):
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if state == "0A" and int(p, 16) == port:
            found.add(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_app_listens_on_all_interfaces_as_a_space_asks():
    from xmgan.load_test import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("XMGAN_HOST", "XMGAN_PORT")}
    env.update(GRADIO_SERVER_NAME="0.0.0.0", GRADIO_SERVER_PORT=str(port))
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.time()
        while True:
            try:  # loopback only: reachable there because 0.0.0.0 includes it
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.time() - t0 < 120, proc.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        assert listening_addresses(port) == {"0.0.0.0"}
    finally:
        proc.terminate()
        proc.wait(10)


SPACE_PLAIN_FILE_MAX = 10 * 1024 ** 2  # a Space's git refuses a file over 10 MiB that LFS does not carry
SPACE_STORAGE_MAX = 1024 ** 3  # a free Space's repository storage
AUDIO_DECODERS = ("librosa", "torchaudio", "soundfile")  # read uploaded or recorded sound; ffmpeg decodes what they cannot


def lfs_patterns() -> list[str]:
    lines = (ROOT / ".gitattributes").read_text().splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#") and "filter=lfs" in line.split()]


def goes_through_lfs(path, patterns) -> bool:
    """.gitattributes semantics for the patterns used here: one without a slash matches the file name at any depth."""
    import fnmatch

    rel = path.relative_to(ROOT).as_posix()
    return any(fnmatch.fnmatch(rel if "/" in p else path.name, p.lstrip("/")) for p in patterns)


def test_spaces_files_agree_with_requirements_and_front_matter():
    data = SpaceCard.load(ROOT / "README.md").data
    requirements = (ROOT / "requirements.txt").read_text()
    assert f"Python {data.python_version}" in requirements.splitlines()[0]  # the pins were made for that Python
    packages = (ROOT / "packages.txt").read_text().split()
    assert all(p.replace("-", "").replace(".", "").replace("+", "").isalnum() and p == p.lower() for p in packages)
    if any(f"{name}==" in requirements for name in AUDIO_DECODERS):
        assert "ffmpeg" in packages
    assert "*.safetensors" in lfs_patterns()
    lfs = [line for line in (ROOT / ".gitattributes").read_text().splitlines() if line.startswith("*.safetensors")]
    assert lfs == ["*.safetensors filter=lfs diff=lfs merge=lfs -text"]  # what `git lfs track` writes


def test_every_checkpoint_file_fits_a_space():
    """Weights travel with the Space (hf upload): each file not carried by LFS stays under 10 MiB, every
    checkpoint file under the Space's storage, and the whole checkpoints folder too."""
    patterns = lfs_patterns()
    files = [p for p in (ROOT / "checkpoints").rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert any(p.name == "model.safetensors" for p in files)
    too_big = [f"{p.relative_to(ROOT)} ({p.stat().st_size / 2**20:.1f} MiB)" for p in files
               if p.stat().st_size > SPACE_PLAIN_FILE_MAX and not goes_through_lfs(p, patterns)]
    assert not too_big, f"over a Space's 10 MiB for a plain git file; add their pattern to .gitattributes: {too_big}"
    assert all(goes_through_lfs(p, patterns) for p in files if p.name == "model.safetensors")
    assert sum(p.stat().st_size for p in files) < SPACE_STORAGE_MAX
