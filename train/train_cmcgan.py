"""Train CMCGAN between spoken digits (FSDD training split) and handwritten digits (MNIST training set).

    python train/train_cmcgan.py --threads 1 --precision fp32 --batch 32 --steps 4000
    python train/train_cmcgan.py --threads 1 --precision fp32 --batch 32 --steps 10000 --resume \
        --cls-weight 3 --cycle-weight 5      # the shipped weights: steps 4000-10000 with more class pressure
(about 40 minutes in all on one shared CPU core; fp32 because bf16 autocast is far slower on this CPU.)
Each step: C learns the digit from real images and real speech; D learns real matched pairs against real
mismatched pairs and pairs with a generated member; the encoders and decoders learn reconstruction, the
two cycles (a -> i -> a, i -> a -> i), consistent intermediate encodings, to fool D, to be read by C as
the input's digit, and (mode seeking) to use z. Writes checkpoints/cmcgan/ (variant "fsdd_mnist") with
exponential moving averages of the encoders and decoders.
"""
import copy

import numpy as np
import torch
import torch.nn.functional as F
from common import Trainer, base_parser, progress, shipped_state, update_ema
from PIL import Image
from train_spoken_judge import shift_frames

from xmgan.data import to_uint8
from xmgan.models._spoken import fsdd_mels
from xmgan.models.cmcgan import CmcganPipeline, Config, mismatched, mnist_by_class, sample_of_class
from xmgan.pipeline import grid

GEN = ("E_a", "E_i", "G_a", "G_i")


def bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits.float(), float(real)))


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.float() - b.float()).abs().mean()


def main() -> None:
    p = base_parser(__doc__, steps=4000, batch=32, lr=2e-4)
    p.add_argument("--rec-weight", type=float, default=10.0, help="L1 reconstruction a -> a, i -> i")
    p.add_argument("--cycle-weight", type=float, default=10.0, help="L1 cycles a -> i -> a, i -> a -> i")
    p.add_argument("--feat-weight", type=float, default=1.0, help="L1 between intermediate encodings")
    p.add_argument("--cls-weight", type=float, default=1.0, help="classifier loss on generated outputs")
    p.add_argument("--ms-weight", type=float, default=0.05, help="mode seeking: 1 / (|G(F,z1)-G(F,z2)| / |z1-z2|)")
    p.add_argument("--critic-stem", choices=["conv", "mlp"], default="mlp", help="D's and C's per-modality stems")
    args = p.parse_args()
    tr = Trainer("cmcgan", "fsdd_mnist", args)
    config = Config(critic_stem=args.critic_stem)

    xa, ya, _ = fsdd_mels("train")                     # (2700, 1, 32, 64) log-mels, digits
    xi, yi, start, count = mnist_by_class("train")     # MNIST sorted by class
    nets = CmcganPipeline.build(config)
    nets = torch.nn.ModuleDict({k: tr.prepare(v) for k, v in nets.items()})
    ema = {k: copy.deepcopy(nets[k]).eval().requires_grad_(False) for k in GEN}
    gen_params = [p for k in GEN for p in nets[k].parameters()]
    opt_g = torch.optim.Adam(gen_params, lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(nets["D"].parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_c = torch.optim.Adam(nets["C"].parameters(), lr=1e-3)
    objects = {**{k: nets[k] for k in nets}, **{f"{k}_ema": m for k, m in ema.items()},
               "opt_g": opt_g, "opt_d": opt_d, "opt_c": opt_c}
    start_step = tr.load_state(objects)
    E_a, E_i, G_a, G_i, D, C = (nets[k] for k in ("E_a", "E_i", "G_a", "G_i", "D", "C"))

    # Fixed inputs for the sample grids: one training utterance per digit, 7 z each.
    show = torch.tensor([int(np.flatnonzero(ya.numpy() == d)[0]) for d in range(10)])
    show_z = torch.randn(7, config.z_dim, generator=torch.Generator().manual_seed(1))

    bar = progress(start_step, args.steps, tr.main)
    for step in bar:
        g = tr.generator(step)
        idx = torch.randint(0, len(xa), (args.batch,), generator=g)
        a, y = shift_frames(xa[idx], g, max_shift=4).to(tr.device), ya[idx].to(tr.device)
        i = xi[sample_of_class(ya[idx], start, count, g)].to(tr.device)            # matched: same digit
        i_wrong = xi[sample_of_class(mismatched(ya[idx], g), start, count, g)].to(tr.device)
        z = torch.randn(6, args.batch, config.z_dim, generator=g).to(tr.device)

        # C: the digit from each real modality.
        with tr.autocast():
            loss_c = F.cross_entropy(C(image=i).float(), y) + F.cross_entropy(C(mel=a).float(), y)
        opt_c.zero_grad(set_to_none=True)
        loss_c.backward()
        tr.sync(C)
        opt_c.step()

        # D: real matched pairs vs real mismatched pairs and pairs with a generated member.
        with tr.autocast():
            fa, fi = E_a(a), E_i(i)
            i_gen, a_gen = G_i(fa, z[0]), G_a(fi, z[1])                              # a -> i, i -> a
            fakes = bce(D(i_gen.detach(), a), False) + bce(D(i, a_gen.detach()), False)
            loss_d = bce(D(i, a), True) + 0.5 * (bce(D(i_wrong, a), False) + 0.5 * fakes)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D)
        opt_d.step()

        # Encoders and decoders: the joint objective.
        with tr.autocast():
            a_rec, i_rec = G_a(fa, z[2]), G_i(fi, z[3])                              # a -> a, i -> i
            fa_c, fi_c = E_i(i_gen), E_a(a_gen)                                      # intermediate encodings
            a_cyc, i_cyc = G_a(fa_c, z[4]), G_i(fi_c, z[5])                          # a -> i -> a, i -> a -> i
            adv = bce(D(i_gen, a), True) + bce(D(i, a_gen), True)
            cls = F.cross_entropy(C(image=i_gen).float(), y) + F.cross_entropy(C(mel=a_gen).float(), y)
            rec = l1(a_rec, a) + l1(i_rec, i)
            cyc = l1(a_cyc, a) + l1(i_cyc, i)
            feat = l1(fa_c, fa.detach()) + l1(fi_c, fi.detach())
            # Mode seeking: a second z for the same inputs must move the cross-modal outputs.
            dz = l1(z[0], z[2]).clamp(min=1e-3)
            spread = l1(G_i(fa, z[2]), i_gen) / dz + l1(G_a(fi, z[3]), a_gen) / dz
            ms = 1.0 / (spread + 1e-2)
            loss_g = (adv + args.cls_weight * cls + args.rec_weight * rec + args.cycle_weight * cyc
                      + args.feat_weight * feat + args.ms_weight * ms)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(*(nets[k] for k in GEN))
        opt_g.step()
        for k in GEN:
            update_ema(ema[k], nets[k], step)

        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.2f}", c=f"{loss_c.item():.2f}", adv=f"{adv.item():.2f}",
                            cls=f"{cls.item():.2f}", rec=f"{rec.item():.3f}", cyc=f"{cyc.item():.3f}",
                            ms=f"{spread.item():.2f}", refresh=False)
        if (step + 1) % args.sample_every == 0 or step + 1 == args.steps:
            with torch.no_grad():  # rows: one utterance per digit -> 7 images; and each digit image -> its log-mel
                fa_s = ema["E_a"](xa[show].to(tr.device))
                imgs = torch.stack([ema["G_i"](fa_s, zz.expand(10, -1).to(tr.device)) for zz in show_z], 1)
                tr.save_samples(step + 1, imgs.flatten(0, 1), nrow=7)
                i_s = xi[start].to(tr.device)  # the first training image of each digit
                mels = ema["G_a"](ema["E_i"](i_s), show_z[:1].expand(10, -1).to(tr.device))
                if tr.main:
                    both = torch.cat([xa[show], mels.float().cpu()]).flip(-2)  # low frequencies at the bottom
                    Image.fromarray(grid(to_uint8(both.numpy()), nrow=10)).save(tr.run_dir / f"mels_{step + 1:06d}.png")
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.finish(config, shipped_state(**{k: ema[k] for k in GEN}, D=D, C=C))


if __name__ == "__main__":
    main()
