"""./run on a fresh machine: it says what to install when Python cannot make a venv (or installs it as root),
and makes a half-made .venv again instead of reusing it. The functions run from a sourced ./run in a
temporary folder; the repository's .venv is never touched, and XMGAN_NO_APT=1 keeps apt-get out of it."""
import os
import shutil
import subprocess
import sys

from conftest import ROOT

BASH = shutil.which("bash")


def bash(script: str, tmp_path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "XMGAN_NO_APT": "1", "PYTHON": sys.executable, "XMGAN_VENV": str(tmp_path / "v"), **env}
    return subprocess.run([BASH, "-c", f"source {ROOT / 'run'}\n{script}"], env=full, capture_output=True,
                          text=True, timeout=300)


def test_a_half_made_venv_is_made_again(tmp_path):
    """`python3 -m venv` without ensurepip leaves a venv with python but no pip: ./run must not reuse it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "v")], check=True)
    assert (tmp_path / "v" / "bin" / "python").exists()
    r = bash('venv_usable "$VENV" && echo usable || echo half; ensure_venv "$VENV"; venv_usable "$VENV" && echo ok',
             tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["half", "ok"] and "half made" in r.stderr
    (tmp_path / "v" / "bin" / "python").unlink()  # no python at all
    r = bash('ensure_venv "$VENV"; venv_usable "$VENV" && echo ok', tmp_path)
    assert r.returncode == 0 and r.stdout.split() == ["ok"], r.stderr


def test_without_venv_support_it_says_what_to_install(tmp_path):
    fake = tmp_path / "python3"  # a Python whose ensurepip is missing, as on Debian without python3-venv
    fake.write_text(f'#!/bin/sh\ncase "$*" in *ensurepip*) echo "No module named ensurepip" >&2; exit 1;; esac\n'
                    f'exec {sys.executable} "$@"\n')
    fake.chmod(0o755)
    r = bash('ensure_venv "$VENV"', tmp_path, PYTHON=str(fake))
    assert r.returncode == 1 and not (tmp_path / "v").exists()
    assert "cannot make a virtual environment" in r.stderr and "sudo apt-get install python3" in r.stderr
    assert "-venv" in r.stderr


def test_usage_without_a_command():
    r = subprocess.run([str(ROOT / "run")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.startswith("usage: ./run demo | test")


def test_missing_ffmpeg_and_chromium_are_named(tmp_path):
    """As a user (or with XMGAN_NO_APT=1) ./run names the Debian packages it lacks: packages.txt's (ffmpeg, the
    demo's too) and the tests' chromium."""
    bin_dir = tmp_path / "bin"  # a PATH with the shell tools ./run uses and neither ffmpeg nor chromium
    bin_dir.mkdir()
    for tool in ("cat", "id", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    r = bash("debian_tools chromium", tmp_path, PATH=str(bin_dir))
    assert r.returncode == 0, r.stderr
    assert "missing ffmpeg chromium: install them (sudo apt-get install ffmpeg chromium)" in r.stderr
    r = bash("debian_tools", tmp_path, PATH=str(bin_dir))  # the demo: ffmpeg only
    assert "missing ffmpeg:" in r.stderr and "chromium" not in r.stderr.split(":")[0]
