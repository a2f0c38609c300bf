"""Train the waveform spoken-digit judge (xmgan/judges/wave.py, "spoken_wave_judge"): which digit 0-9 is
spoken, read from the waveform (resampled to 16 kHz) through the waveform judges' own 80-band log-mel front
end. It never sees CMCGAN's features; `python -m xmgan.evaluate cmcgan` uses it to hear the sound CMCGAN
makes from an image. FSDD training split only (takes 5-49); tested per utterance on the test split (takes 0-4).

    python train/train_spoken_wave_judge.py --threads 1     # ~4 min on one shared CPU core
Each training recording is used three times: as recorded and speed-perturbed by 0.9 and 1.1 (resampling:
tempo, pitch and formants move together), so small differences in voice and pace do not decide. It is
never trained on vocoded or generated speech. Writes checkpoints/spoken_wave_judge/ (config.json with the
front end's statistics, model.safetensors, metrics.json, README.md).
"""
import sys
from datetime import date

import numpy as np
import torch
import torch.nn.functional as F

from common import Trainer, base_parser, log, progress

from xmgan import hub
from xmgan.data import load_speech
from xmgan.env import hardware
from xmgan.judges import wave

JUDGE_ID, VARIANT = "spoken_wave_judge", "fsdd"
SPEEDS = (1.0, 0.9, 1.1)


def speed(wav: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster (resampling): tempo, pitch and formants all scale by `factor`."""
    n = len(wav)
    t = np.arange(0, n - 1, factor)
    return np.interp(t, np.arange(n), wav).astype(np.float32)


@torch.no_grad()
def predictions(net, feats: list[np.ndarray]) -> np.ndarray:
    net.eval()
    pred = np.array([int(net(torch.from_numpy(f)[None]).argmax()) for f in feats])
    net.train()
    return pred


def main() -> None:
    p = base_parser(__doc__, steps=2000, batch=32, lr=1e-3)
    p.add_argument("--width", type=int, default=96)
    p.add_argument("--min-frames", type=int, default=30)
    p.add_argument("--max-frames", type=int, default=90)
    args = p.parse_args()
    tr = Trainer(JUDGE_ID, VARIANT, args)
    speech = load_speech("fsdd")
    digit = speech.extra["digit"].astype(np.int64)
    tr_idx, te_idx = speech.where("train"), speech.where("test")

    feats = [wave.log_mel(wave.at_16k(speed(speech.wavs[i], s), speech.sr)) for s in SPEEDS for i in tr_idx]
    labels = np.concatenate([digit[tr_idx]] * len(SPEEDS))
    allf = np.concatenate(feats[:len(tr_idx)], axis=1)                       # recorded training speech only
    mean, std = allf.mean(1, keepdims=True), allf.std(1, keepdims=True) + 1e-5
    norm = [((f - mean) / std).astype(np.float32) for f in feats]
    te = [((wave.log_mel(wave.at_16k(speech.wavs[i], speech.sr)) - mean) / std).astype(np.float32) for i in te_idx]
    te_lab = digit[te_idx]

    net = wave.WaveNet(10, width=args.width).to(tr.device)
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps)
    start = tr.load_state({"net": net, "opt": opt, "sched": sched})
    for step in progress(start, args.steps, tr.main):
        g = tr.generator(step)
        keep = int(torch.randint(args.min_frames, args.max_frames + 1, (1,), generator=g))
        pick = torch.randint(0, len(norm), (args.batch,), generator=g).tolist()
        xs = []
        for i in pick:  # a random crop of `keep` frames; short utterances are tiled (the word said again)
            f = norm[i]
            if f.shape[1] < keep:
                f = np.tile(f, (1, keep // f.shape[1] + 1))
            s = int(torch.randint(0, f.shape[1] - keep + 1, (1,), generator=g))
            xs.append(f[:, s:s + keep])
        x = torch.from_numpy(np.stack(xs))
        # SpecAugment-style masks: one band of up to 10 mel channels and one stretch of up to 8 frames
        b0 = int(torch.randint(0, wave.N_MELS - 10, (1,), generator=g))
        x[:, b0:b0 + int(torch.randint(0, 11, (1,), generator=g))] = 0
        t0 = int(torch.randint(0, keep - 8, (1,), generator=g))
        x[..., t0:t0 + int(torch.randint(0, 9, (1,), generator=g))] = 0
        x = x + 0.1 * torch.randn(x.shape, generator=g)                      # a little noise on the features
        y = torch.from_numpy(labels[pick])
        with tr.autocast():
            loss = F.cross_entropy(net(x.to(tr.device)), y.to(tr.device), label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if (step + 1) % 250 == 0:
            log.info("step %d loss %.4f", step + 1, loss.item())
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, {"net": net, "opt": opt, "sched": sched})

    net = net.cpu().float().eval()
    pred = predictions(net, te)
    acc, per = float((pred == te_lab).mean()), [round(float((pred[te_lab == k] == k).mean()), 4) for k in range(10)]
    acc_train = float((predictions(net, norm[:len(tr_idx)]) == labels[:len(tr_idx)]).mean())
    names = speech.speakers
    spk = speech.speaker[te_idx]
    per_speaker = {names[s]: round(float((pred[spk == s] == te_lab[spk == s]).mean()), 4) for s in np.unique(spk)}
    log.info("utterance accuracy: test %.4f %s, train %.4f, per speaker %s", acc, per, acc_train, per_speaker)
    if args.no_save:
        return
    command = " ".join(["python train/train_spoken_wave_judge.py", *sys.argv[1:]])
    cfg = {"dataset": "fsdd", "labels": [str(d) for d in range(10)], "width": args.width,
           "front_end": wave.__name__ + ".log_mel",
           "mel_mean": [round(float(v), 5) for v in mean[:, 0]], "mel_std": [round(float(v), 5) for v in std[:, 0]],
           "training": {"command": command, "steps": args.steps, "batch": args.batch, "lr": args.lr,
                        "speeds": list(SPEEDS), "minutes": round(tr.elapsed() / 60, 1), "device": hardware(),
                        "date": date.today().isoformat()}}
    hub.write_variant(JUDGE_ID, VARIANT, cfg, net.state_dict(), args.checkpoints)
    metrics = {"test_accuracy": round(acc, 4), "test_per_class_accuracy": per, "test_per_speaker_accuracy": per_speaker,
               "train_accuracy": round(acc_train, 4), "n_test": int(len(te_idx)),
               "goals": {"test_accuracy": 0.98}, "goals_met": {"test_accuracy": acc >= 0.98},
               "evaluated": {"date": date.today().isoformat(), "hardware": hardware(),
                             "command": "python train/train_spoken_wave_judge.py (utterance-level, whole test split)"}}
    hub.write_metrics(JUDGE_ID, VARIANT, metrics, args.checkpoints)
    from xmgan.card import write_card

    folder = write_card(JUDGE_ID, args.checkpoints).parent   # the model card, through the one card path
    log.info("wrote %s", folder)


if __name__ == "__main__":
    main()
