"""Audio files are read by libsndfile (soundfile) first, then by the ffmpeg program; never by librosa's
deprecated audioread path. torchaudio is used only inside xmgan/audio.py."""
import builtins
import os
import stat
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import ROOT
from xmgan import audio
from xmgan.errors import BadInput


@pytest.fixture
def no_librosa(monkeypatch):
    real_import = builtins.__import__

    def guarded(name, *args, **kwargs):
        if name.split(".")[0] in ("librosa", "audioread"):
            raise AssertionError(f"reading audio imported {name}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", guarded)


def tone(sr: int = 22050, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.mark.parametrize("fmt, ext", [("WAV", "wav"), ("FLAC", "flac"), ("OGG", "ogg"), ("MP3", "mp3")])
def test_common_formats_are_read_by_soundfile(tmp_path, no_librosa, fmt, ext):
    path = tmp_path / f"tone.{ext}"
    sf.write(path, tone(), 22050, format=fmt)
    wav = audio.read_audio(str(path), sr=16000, normalise=False)
    assert abs(len(wav) - 8000) <= 1200  # 0.5 s at 16 kHz (MP3 adds encoder padding)
    spectrum = np.abs(np.fft.rfft(wav))
    assert abs(np.argmax(spectrum) * 16000 / len(wav) - 440) < 10  # the tone survives


def test_other_containers_go_to_ffmpeg(tmp_path, no_librosa, monkeypatch):
    """A stand-in ffmpeg on PATH (a script that writes a known WAV where it is told to) shows the plumbing:
    the file libsndfile cannot read is handed to ffmpeg, and its output comes back at its own rate."""
    known = tmp_path / "known.wav"
    sf.write(known, tone(sr=12000), 12000)
    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    fake.write_text(f"#!{sys.executable}\nimport shutil, sys\nshutil.copy({str(known)!r}, sys.argv[-1])\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    clip = tmp_path / "voice.m4a"
    clip.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(200))  # not something libsndfile reads
    rate, data = audio._read_file(clip)
    assert rate == 12000 and len(data) == 6000


def test_unreadable_file_without_ffmpeg_gets_a_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg anywhere
    bad = tmp_path / "notes.txt"
    bad.write_text("not a sound")
    with pytest.raises(BadInput, match="not an audio file this app can read"):
        audio.read_audio(str(bad), sr=16000)


def test_torchaudio_only_behind_xmgan_audio():
    users = [p.relative_to(ROOT) for folder in ("xmgan", "train", "app.py")
             for p in ((ROOT / folder).rglob("*.py") if (ROOT / folder).is_dir() else [ROOT / folder])
             if "import torchaudio" in p.read_text() or "from torchaudio" in p.read_text()]
    assert [str(p) for p in users] == ["xmgan/audio.py"]
