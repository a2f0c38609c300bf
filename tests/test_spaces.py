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
