"""Write the clickable voice-conversion examples: short VCC2016 evaluation sentences (200001-200054, never
trained on), a few per speaker, as WAV.

    XMGAN_DATA=../shared/data python examples/make_speech_examples.py
Files: examples/vcc2016/<SPEAKER>_<utterance>.wav, 16 kHz mono 16-bit, as recorded. VCC 2016 (Toda et al.,
Interspeech 2016) is CC BY 4.0 (see ../shared/data/SPEECH.md).
"""
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from xmgan.data import load_speech  # noqa: E402

HERE = Path(__file__).parent
# (speaker, utterance): 1.8-2.5 s sentences, different sentences per speaker
EXAMPLES = [("SF1", 200007), ("SF2", 200006), ("TM1", 200009), ("TM2", 200007), ("SF1", 200014), ("TM1", 200014)]

if __name__ == "__main__":
    s = load_speech("vcc2016")
    (HERE / "vcc2016").mkdir(exist_ok=True)
    names = []
    for speaker, utt in EXAMPLES:
        i = next(i for i in s.where("eval", speaker) if int(s.extra["utt"][i]) == utt)
        wav = np.clip(s.wavs[i] * 32768, -32768, 32767).astype(np.int16)
        names.append(f"{speaker}_{utt}.wav")
        sf.write(HERE / "vcc2016" / names[-1], wav, s.sr, subtype="PCM_16")
    print("vcc2016 examples written:", ", ".join(names))
