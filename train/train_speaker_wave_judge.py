"""Train the waveform speaker judge (xmgan/judges/wave.py): who of SF1, SF2, TM1, TM2 is speaking,
read from the 16 kHz waveform through the judge's own log-mel front end. Training split only (utterances
100001-100162), tested per utterance on the 54 evaluation sentences of each speaker.

    python train/train_speaker_wave_judge.py --threads 1     # ~6 min on one shared CPU core
Each training recording is used twice: as recorded, and WORLD-vocoded (analysis -> synthesis, no conversion,
same speaker), so the judge learns who speaks rather than whether a vocoder was used. Writes
checkpoints/speaker_wave_judge/ (config.json with the front end's statistics, model.safetensors, metrics.json,
README.md); `python -m xmgan.evaluate cyclegan_vc stargan_vc` uses it to read converted speech.
"""
import sys
from datetime import date

import numpy as np
import torch
import torch.nn.functional as F

from common import Trainer, base_parser, log, progress

from xmgan import audio, hub
from xmgan.data import load_speech
from xmgan.env import hardware
from xmgan.judges import wave as sw

JUDGE_ID = "speaker_wave_judge"


def vocoded(wav: np.ndarray) -> np.ndarray:
    """WORLD analysis -> synthesis of a recording, nothing converted."""
    f0, sp, ap = audio.world_analyze(wav)
    return audio.world_synthesize(f0, sp, ap, length=len(wav))


@torch.no_grad()
def utterance_accuracy(net, feats: list[np.ndarray], labels: np.ndarray, n: int) -> tuple[float, list[float]]:
    net.eval()
    pred = np.array([int(net(torch.from_numpy(f)[None]).argmax()) for f in feats])
    net.train()
    return float((pred == labels).mean()), [round(float((pred[labels == k] == k).mean()), 4) for k in range(n)]


def main() -> None:
    p = base_parser(__doc__, steps=2000, batch=32, lr=1e-3)
    p.add_argument("--width", type=int, default=128)
    p.add_argument("--min-frames", type=int, default=80)
    p.add_argument("--max-frames", type=int, default=300)
    args = p.parse_args()
    tr = Trainer(JUDGE_ID, "vcc2016", args)
    speech = load_speech("vcc2016")
    speakers = speech.speakers
    tr_idx, ev_idx = speech.where("train"), speech.where("eval")

    # Front-end features: real and vocoded training recordings; real and vocoded evaluation recordings.
    from tqdm import tqdm

    def feats_of(idx, desc):
        real, voc = [], []
        for i in tqdm(idx, desc=desc, mininterval=30):
            real.append(sw.log_mel(speech.wavs[i]))
            voc.append(sw.log_mel(vocoded(speech.wavs[i])))
        return real, voc

    tr_real, tr_voc = feats_of(tr_idx, "train features")
    ev_real, ev_voc = feats_of(ev_idx, "eval features")
    allf = np.concatenate(tr_real, axis=1)
    mean, std = allf.mean(1, keepdims=True), allf.std(1, keepdims=True) + 1e-5   # global, training split only
    norm = [((f - mean) / std).astype(np.float32) for f in tr_real + tr_voc]
    labels = np.concatenate([speech.speaker[tr_idx]] * 2)
    ev_lab = speech.speaker[ev_idx]
    ev_real = [((f - mean) / std).astype(np.float32) for f in ev_real]
    ev_voc = [((f - mean) / std).astype(np.float32) for f in ev_voc]

    net = sw.WaveNet(len(speakers), width=args.width).to(tr.device)
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps)
    start = tr.load_state({"net": net, "opt": opt, "sched": sched})
    for step in progress(start, args.steps, tr.main):
        g = tr.generator(step)
        keep = int(torch.randint(args.min_frames, args.max_frames + 1, (1,), generator=g))
        pick = torch.randint(0, len(norm), (args.batch,), generator=g).tolist()
        xs = []
        for i in pick:  # a random crop of `keep` frames (short utterances: tiled)
            f = norm[i]
            if f.shape[1] < keep:
                f = np.tile(f, (1, keep // f.shape[1] + 1))
            s = int(torch.randint(0, f.shape[1] - keep + 1, (1,), generator=g))
            xs.append(f[:, s:s + keep])
        x = torch.from_numpy(np.stack(xs))
        # SpecAugment-style masks: one band of up to 10 mel channels and one stretch of up to 20 frames
        b0 = int(torch.randint(0, sw.N_MELS - 10, (1,), generator=g))
        x[:, b0:b0 + int(torch.randint(0, 11, (1,), generator=g))] = 0
        t0 = int(torch.randint(0, keep - 20, (1,), generator=g))
        x[..., t0:t0 + int(torch.randint(0, 21, (1,), generator=g))] = 0
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
    acc, per = utterance_accuracy(net, ev_real, ev_lab, len(speakers))
    acc_voc, per_voc = utterance_accuracy(net, ev_voc, ev_lab, len(speakers))
    acc_train, _ = utterance_accuracy(net, norm[:len(tr_real)], labels[:len(tr_real)], len(speakers))
    log.info("utterance accuracy: eval %.4f %s, eval vocoded %.4f %s, train %.4f", acc, per, acc_voc, per_voc, acc_train)
    if args.no_save:
        return
    command = " ".join(["python train/train_speaker_wave_judge.py", *sys.argv[1:]])
    cfg = {"dataset": "vcc2016", "speakers": speakers, "width": args.width, "front_end": sw.__name__ + ".log_mel",
           "mel_mean": [round(float(v), 5) for v in mean[:, 0]], "mel_std": [round(float(v), 5) for v in std[:, 0]],
           "training": {"command": command, "steps": args.steps, "batch": args.batch, "lr": args.lr,
                        "minutes": round(tr.elapsed() / 60, 1), "device": hardware(), "date": date.today().isoformat()}}
    hub.write_variant(JUDGE_ID, "vcc2016", cfg, net.state_dict(), args.checkpoints)
    metrics = {"eval_accuracy": round(acc, 4), "eval_per_speaker_accuracy": dict(zip(speakers, per)),
               "eval_vocoded_accuracy": round(acc_voc, 4), "eval_vocoded_per_speaker_accuracy": dict(zip(speakers, per_voc)),
               "train_accuracy": round(acc_train, 4), "n_eval": int(len(ev_idx)),
               "goals": {"eval_accuracy": 0.98}, "goals_met": {"eval_accuracy": acc >= 0.98},
               "evaluated": {"date": date.today().isoformat(), "hardware": hardware(),
                             "command": "python train/train_speaker_wave_judge.py (utterance-level, whole eval split)"}}
    hub.write_metrics(JUDGE_ID, "vcc2016", metrics, args.checkpoints)
    from xmgan.card import write_card

    folder = write_card(JUDGE_ID, args.checkpoints).parent   # the model card, through the one card path
    log.info("wrote %s", folder)


if __name__ == "__main__":
    main()
