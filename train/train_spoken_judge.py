"""Train the spoken-digit judge: a small CNN on FSDD log-mels (training split, takes 5-49).

    python train/train_spoken_judge.py --threads 1     # goal >= 95% on the FSDD test split (takes 0-4)
Writes checkpoints/spoken_judge/ (variant "fsdd") and its metrics.json (real and resynthesised test speech).
"""
import time
from datetime import date

import torch
import torch.nn.functional as F
from common import Trainer, base_parser, progress

from xmgan import hub
from xmgan.env import hardware
from xmgan.judges import spoken as S


def shift_frames(x: torch.Tensor, g: torch.Generator, max_shift: int = 8) -> torch.Tensor:
    """Move each spectrogram up to max_shift frames left or right, filling with silence (-1): the judge must
    not depend on where in the window the digit sits."""
    out = torch.full_like(x, -1.0)
    shifts = torch.randint(-max_shift, max_shift + 1, (len(x),), generator=g).tolist()
    t = x.shape[-1]
    for i, s in enumerate(shifts):
        out[i, ..., max(0, s):t + min(0, s)] = x[i, ..., max(0, -s):t - max(0, s)]
    return out


def main() -> None:
    p = base_parser(__doc__, steps=2000, batch=64, lr=2e-3)
    args = p.parse_args()
    tr = Trainer(S.MODEL_ID, S.VARIANT, args)

    # Features once: each training utterance as recorded and after log-mel -> Griffin-Lim -> log-mel.
    x, y, _ = S.fsdd_mels("train")
    t0 = time.time()
    x_gl = S.resynthesised(x, n_iter=16 if len(x) < 500 else 32)
    resynthesis_s = time.time() - t0
    tr.elapsed_before -= resynthesis_s  # not training time; recorded separately
    config = S.Config()
    net = tr.prepare(S.SpokenJudge(config))
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps)
    start = tr.load_state({"net": net, "opt": opt, "sched": sched})

    net.train()
    bar = progress(start, args.steps, tr.main)
    for step in bar:
        g = tr.generator(step)
        idx = torch.randint(0, len(x), (args.batch,), generator=g)
        use_gl = torch.rand(args.batch, generator=g) < 0.5
        xb = torch.where(use_gl[:, None, None, None], x_gl[idx], x[idx])
        # a random level change of up to +-6 dB (1/80 of the range per dB) before the frame shift
        xb = (xb + (torch.rand(args.batch, 1, 1, 1, generator=g) - 0.5) * 0.3).clamp(-1, 1)
        xb = shift_frames(xb, g).to(tr.device)
        with tr.autocast():
            loss = F.cross_entropy(net(xb), y[idx].to(tr.device), label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        tr.sync(net)
        opt.step()
        sched.step()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, {"net": net, "opt": opt, "sched": sched})

    net = net.cpu().float().eval()
    tr.finish(config, net.state_dict(), extra={"resynthesis_minutes": round(resynthesis_s / 60, 1)})
    if tr.main and not args.no_save:
        t1 = time.time()
        m = S.evaluate(net)
        stamp = {"date": date.today().isoformat(), "hardware": hardware(),
                 "command": "python -m xmgan.judges.spoken", "seconds": round(time.time() - t1, 1)}
        goals_met = {k: m[k] >= v for k, v in S.GOALS.items()}
        hub.write_metrics(S.MODEL_ID, S.VARIANT, {**m, "goals": S.GOALS, "goals_met": goals_met, "evaluated": stamp},
                          args.checkpoints)
        tr_log = {k: v for k, v in m.items() if not isinstance(v, dict)}
        print(f"spoken_judge/fsdd: {tr_log}")


if __name__ == "__main__":
    main()
