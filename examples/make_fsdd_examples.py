"""Write the clickable spoken-digit examples: one FSDD test utterance (take 0) per digit, as WAV.

    XMGAN_DATA=../shared/data python examples/make_fsdd_examples.py
Files: examples/fsdd/<digit>.wav, 8 kHz mono 16-bit, as recorded (digit d is spoken by speaker d mod 6,
so the examples cover all six speakers). FSDD is CC BY-SA 4.0 (Jakobovski/free-spoken-digit-dataset).
"""
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xmgan.data import load_speech  # noqa: E402

HERE = Path(__file__).parent

if __name__ == "__main__":
    s = load_speech("fsdd")
    (HERE / "fsdd").mkdir(exist_ok=True)
    for d in range(10):
        speaker = s.speakers[d % len(s.speakers)]
        idx = [i for i in s.where(split="test", speaker=speaker) if s.extra["digit"][i] == d and s.extra["take"][i] == 0]
        wav = np.clip(s.wavs[idx[0]] * 32768, -32768, 32767).astype(np.int16)
        sf.write(HERE / "fsdd" / f"{d}.wav", wav, s.sr, subtype="PCM_16")
    print("fsdd examples written:", ", ".join(f"{d}.wav" for d in range(10)))
