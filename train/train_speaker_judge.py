"""Train the speaker judge of the voice-conversion models: a 1-D CNN that names the VCC2016 speaker (SF1, SF2,
TM1, TM2) from WORLD mel-cepstra c1..c35, trained on the training split only and tested on the 54 evaluation
sentences of each speaker.

    python train/train_speaker_judge.py --threads 1     # ~3 min on one CPU core (after the WORLD cache exists)
Writes checkpoints/speaker_judge/ (config.json with the global feature statistics, model.safetensors,
metrics.json, README.md). `python -m xmgan.evaluate stargan_vc cyclegan_vc` use it to read converted speech.
F0 is deliberately not an input: the converters move F0 by a fixed transform, so a judge that heard F0
would credit them for that; on mel-cepstra alone it judges the learned spectral conversion.
"""
import sys
from datetime import date

import numpy as np
import torch
import torch.nn.functional as F

from common import Trainer, base_parser, log, progress

from xmgan import card, hub
from xmgan.env import hardware
from xmgan.models import _vc


@torch.no_grad()
def utterance_accuracy(net, feats: _vc.CorpusFeatures, cfg: dict, split: str) -> tuple[float, list]:
    net.eval()
    idx = feats.where(split)
    pred = np.array([int(net(_vc.judge_net_input(feats.mcep[i], feats.f0[i], cfg)).argmax()) for i in idx])
    true = feats.speaker[idx]
    net.train()
    per = [round(float((pred[true == k] == k).mean()), 4) for k in range(len(feats.speakers))]
    return float((pred == true).mean()), per


def main() -> None:
    p = base_parser(__doc__, steps=1500, batch=32, lr=1e-3)
    p.add_argument("--frames", type=int, default=128)
    p.add_argument("--width", type=int, default=64)
    args = p.parse_args()
    tr = Trainer("speaker_judge", "vcc2016", args)
    feats = _vc.corpus_features("vcc2016")
    speakers = feats.speakers

    # One global standardisation (not per speaker: that would remove what tells speakers apart).
    train_mc = np.concatenate([feats.mcep[i][_vc.speech_region(feats.f0[i])] for i in feats.where("train")])
    cfg = {"dataset": "vcc2016", "speakers": speakers, "width": args.width, "frames": args.frames,
           "mcep_mean": [round(float(v), 6) for v in train_mc.mean(0)],
           "mcep_std": [round(float(v), 6) for v in train_mc.std(0)]}
    glob = {"mcep_mean": cfg["mcep_mean"], "mcep_std": cfg["mcep_std"]}
    segs = _vc.Segments(feats, {s: glob for s in speakers}, {s: feats.where("train", s) for s in speakers}, args.frames)

    net = _vc.SpeakerNet(len(speakers), width=args.width).to(tr.device)
    opt = torch.optim.AdamW(net.parameters(), args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.steps)
    start = tr.load_state({"net": net, "opt": opt, "sched": sched})
    for step in progress(start, args.steps, tr.main):
        g = tr.generator(step)
        spk = torch.randint(0, len(speakers), (args.batch,), generator=g)
        # random crops of 32..frames frames: the judge must work on short and long utterances alike
        x = torch.cat([segs.batch(speakers[int(s)], 1, g) for s in spk])
        keep = int(torch.randint(32, args.frames + 1, (1,), generator=g))
        x = x[..., :keep] + 0.05 * torch.randn(x[..., :keep].shape, generator=g)
        with tr.autocast():
            loss = F.cross_entropy(net(x), spk, label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        tr.sync(net)
        opt.step()
        sched.step()
        if (step + 1) % 250 == 0:
            log.info("step %d loss %.4f", step + 1, loss.item())
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, {"net": net, "opt": opt, "sched": sched})

    net.eval()
    acc_eval, per_eval = utterance_accuracy(net, feats, cfg, "eval")
    acc_train, _ = utterance_accuracy(net, feats, cfg, "train")
    log.info("utterance accuracy: eval %.4f %s, train %.4f", acc_eval, per_eval, acc_train)
    if args.no_save:
        return
    cfg["training"] = {"command": " ".join(["python train/train_speaker_judge.py", *sys.argv[1:]]), "steps": args.steps, "batch": args.batch, "lr": args.lr,
        "minutes": round(tr.elapsed() / 60, 1), "device": hardware(), "date": date.today().isoformat()}
    hub.write_variant("speaker_judge", "vcc2016", cfg, net.state_dict(), args.checkpoints)
    metrics = {"eval_accuracy": round(acc_eval, 4), "eval_per_speaker_accuracy": dict(zip(speakers, per_eval)),
               "train_accuracy": round(acc_train, 4), "n_eval": int(len(feats.where("eval"))),
               "goals": {"eval_accuracy": 0.98}, "goals_met": {"eval_accuracy": acc_eval >= 0.98},
               "evaluated": {"date": date.today().isoformat(), "hardware": hardware(),
                             "command": "python train/train_speaker_judge.py (utterance-level, whole eval split)"}}
    hub.write_metrics("speaker_judge", "vcc2016", metrics, args.checkpoints)
    folder = card.write_card("speaker_judge", args.checkpoints).parent  # the one card path (xmgan.card)
    log.info("wrote %s", folder)
    tr.close()


if __name__ == "__main__":
    main()
