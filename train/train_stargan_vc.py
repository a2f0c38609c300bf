"""Train `stargan_vc`: StarGAN-VC (Kameoka et al. 2018) on the four VCC2016 speakers, 12 directions, one G.

    python train/train_stargan_vc.py --threads 1            # 2500 steps, ~15 min on one CPU core (shared machine)
    python train/train_stargan_vc.py --threads 1 --resume   # continue after an interruption
The first run computes the WORLD features of the corpus (about 3 minutes, cached under runs/world_cache/).
Writes checkpoints/stargan_vc/ (variant vcc2016) with the per-speaker statistics in config.json; then run
`python -m xmgan.evaluate stargan_vc`. xmgan/models/stargan_vc.py describes the model and the losses.
"""
import copy

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from common import Trainer, base_parser, log, progress, shipped_state, update_ema

from xmgan.models import _vc
from xmgan.models.stargan_vc import Config, StarganVcPipeline, code


def segments_of(segs: _vc.Segments, speakers: list[str], idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One random segment per requested speaker index: (B, 35, frames)."""
    return torch.cat([segs.batch(speakers[int(i)], 1, g) for i in idx])


def save_sample(tr: Trainer, step: int, x: torch.Tensor, fake: torch.Tensor) -> None:
    """Source and converted standardised mel-cepstra of the first segment as one grey image (features up)."""
    if tr.main:
        pair = torch.cat([x[0], torch.full((x.shape[1], 4), -3.0), fake[0].float()], 1).detach().cpu().numpy()
        im = np.clip((pair + 3) / 6 * 255, 0, 255).astype(np.uint8)[::-1]
        Image.fromarray(np.repeat(np.repeat(im, 4, 0), 2, 1)).save(tr.run_dir / f"samples_{step:06d}.png")


def main() -> None:
    p = base_parser(__doc__, steps=2500, batch=8, lr=2e-4)
    p.add_argument("--d-lr", type=float, default=1e-4, help="D and C learning rate")
    p.add_argument("--lambda-cls", type=float, default=1.0)
    p.add_argument("--lambda-cyc", type=float, default=10.0)
    p.add_argument("--lambda-id", type=float, default=5.0)
    # The papers drop the identity loss after the first ~5% of 10^5+ iterations. In runs of a few thousand
    # steps, dropping it (after 400 steps, or down to weight 2) let D and C push G into remapping c1/c2
    # frame by frame: the judge was fooled but MCD rose 1-2 dB above the mean-variance conversion. So it
    # stays on by default here.
    p.add_argument("--id-steps", type=int, default=10**9, help="identity loss weight --lambda-id before this step")
    p.add_argument("--lambda-id-late", type=float, default=0.0, help="identity loss weight after --id-steps")
    p.add_argument("--frames", type=int, default=128)
    p.add_argument("--g-width", type=int, default=32)
    p.add_argument("--g-res", type=int, default=4)
    p.add_argument("--d-width", type=int, default=16)
    p.add_argument("--log-every", type=int, default=100)
    args = p.parse_args()
    tr = Trainer("stargan_vc", "vcc2016", args)

    feats = _vc.corpus_features("vcc2016")
    speakers = list(_vc.SPEAKERS)
    groups = {s: feats.where("train", s) for s in speakers}
    stats = _vc.speaker_stats(feats, groups)  # normalisation facts ship in config.json
    config = Config(speakers=speakers, g_width=args.g_width, g_res=args.g_res, d_width=args.d_width,
                    frames=args.frames, stats=stats)
    segs = _vc.Segments(feats, stats, groups, args.frames)
    n = len(speakers)

    nets = StarganVcPipeline.build(config).to(tr.device)
    G, D, C = nets["G"], nets["D"], nets["C"]
    G_ema = copy.deepcopy(G).eval()
    opt_g = torch.optim.Adam(G.parameters(), args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(D.parameters()) + list(C.parameters()), args.d_lr, betas=(0.5, 0.999))
    objects = {"G": G, "D": D, "C": C, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)

    for step in progress(start, args.steps, tr.main):
        g = tr.generator(step)
        src = torch.randint(0, n, (args.batch,), generator=g)
        trg = (src + torch.randint(1, n, (args.batch,), generator=g)) % n  # another speaker
        x = segments_of(segs, speakers, src, g).to(tr.device)    # (B, 35, T) source speech
        y = segments_of(segs, speakers, trg, g).to(tr.device)    # real speech of the targets, other sentences
        src, trg = src.to(tr.device), trg.to(tr.device)

        # D and C: real speech of speaker c is real for (., c); G(x, c) is fake for (., c). C learns real speakers.
        with tr.autocast():
            fake = G(x, code(trg, n)).detach()
            d_loss = (D(y, trg) - 1).pow(2).mean() + D(fake, trg).pow(2).mean()
            c_loss = F.cross_entropy(C(torch.cat([x, y])), torch.cat([src, trg]))
        opt_d.zero_grad(set_to_none=True)
        (d_loss + c_loss).backward()
        tr.sync(D, C)
        opt_d.step()

        # G: fool D as the target, be classified as the target, come back to x, and leave x alone when told c_s.
        with tr.autocast():
            fake = G(x, code(trg, n))
            adv = (D(fake, trg) - 1).pow(2).mean()
            cls = F.cross_entropy(C(fake), trg)
            cyc = (G(fake, code(src, n)) - x).abs().mean()
            g_loss = adv + args.lambda_cls * cls + args.lambda_cyc * cyc
            idt = torch.zeros(())
            lambda_id = args.lambda_id if step < args.id_steps else args.lambda_id_late
            if lambda_id > 0:
                idt = (G(x, code(src, n)) - x).abs().mean()
                g_loss = g_loss + lambda_id * idt
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        tr.sync(G)
        opt_g.step()
        update_ema(G_ema, G, step)

        if tr.main and (step + 1) % args.log_every == 0:
            log.info("step %d d %.3f c %.3f | adv %.3f cls %.3f cyc %.3f id %.3f | %.1f min", step + 1,
                     d_loss.item(), c_loss.item(), adv.item(), cls.item(), cyc.item(), idt.item(), tr.elapsed() / 60)
        if (step + 1) % args.sample_every == 0:
            save_sample(tr, step + 1, x, fake)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.finish(config, shipped_state(G=G_ema, D=D, C=C),
              extra={"frames": args.frames, "lambda_cls": args.lambda_cls, "lambda_cyc": args.lambda_cyc,
                     "lambda_id": args.lambda_id, "id_steps": args.id_steps, "lambda_id_late": args.lambda_id_late, "d_lr": args.d_lr})


if __name__ == "__main__":
    main()
