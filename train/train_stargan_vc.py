"""Train `stargan_vc`: StarGAN-VC2 (Kaneko et al. 2019) on the four VCC2016 speakers, 12 directions, one G.

    python train/train_stargan_vc.py --threads 1 --max-minutes 60           # CPU, one shared core
    python train/train_stargan_vc.py --threads 1 --resume                   # continue after an interruption
    python train/train_stargan_vc.py --init-from checkpoints/stargan_vc     # continue from the shipped weights
    bash train/gpu_job.sh train 8 1                                          # a lent GPU: see that script
Recipe: the 2-1-2D generator with conditional instance normalisation on the (source, target) pair
(xmgan/models/_vc.Generator212, n_code 16), a 2-D gated PatchGAN discriminator conditioned by projection on
the pair (source-and-target conditional adversarial loss: real speech of speaker t is judged under (s', t) for
a random other s', a conversion s -> t under (s, t)), least-squares GAN loss, cycle x10, identity x5 for the
first --id-steps steps, no domain classifier (as StarGAN-VC2), Adam 2e-4 / 1e-4. Random unpaired 128-frame
segments of the 162 training sentences (the corpus is parallel; training never pairs them). Writes
checkpoints/stargan_vc/ (variant vcc2016) with the per-speaker statistics in config.json; then run
`python -m xmgan.evaluate stargan_vc`.
"""
import copy

import numpy as np
import torch

import vc_common
from common import Trainer, base_parser, log, progress, shipped_state, update_ema

from xmgan.models import _vc
from xmgan.models.stargan_vc import Config, StarganVcPipeline, pair_code


def segments_of(segs: _vc.Segments, speakers: list[str], idx: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """One random segment per requested speaker index: (B, 35, frames), in the order of `idx`."""
    out = None
    for k, spk in enumerate(speakers):
        rows = (idx == k).nonzero()[:, 0]
        if len(rows):
            part = segs.batch(spk, len(rows), g)
            out = part.new_empty((len(idx),) + part.shape[1:]) if out is None else out
            out[rows.to(part.device)] = part
    return out


def save_sample(tr: Trainer, step: int, x: torch.Tensor, fake: torch.Tensor) -> None:
    """Source and converted standardised mel-cepstra of the first segment as one grey image (features up)."""
    if tr.main:
        from PIL import Image

        pair = torch.cat([x[0].float().cpu(), torch.full((x.shape[1], 4), -3.0), fake[0].float().cpu()], 1)
        im = np.clip((pair.detach().numpy() + 3) / 6 * 255, 0, 255).astype(np.uint8)[::-1]
        Image.fromarray(np.repeat(np.repeat(im, 4, 0), 2, 1)).save(tr.run_dir / f"samples_{step:06d}.png")


def main() -> None:
    p = base_parser(__doc__, steps=10**7, batch=8, lr=2e-4)
    p.add_argument("--d-lr", type=float, default=1e-4)
    p.add_argument("--lambda-cyc", type=float, default=10.0)
    p.add_argument("--lambda-id", type=float, default=5.0)
    p.add_argument("--id-steps", type=int, default=2000, help="identity loss weight --lambda-id before this step")
    p.add_argument("--lambda-id-late", type=float, default=0.0, help="identity loss weight after --id-steps")
    p.add_argument("--frames", type=int, default=128)
    p.add_argument("--g-width", type=int, default=32)
    p.add_argument("--res-width", type=int, default=128)
    p.add_argument("--g-res", type=int, default=6)
    p.add_argument("--d-width", type=int, default=16)
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--recon-loss", choices=["l1", "l2"], default="l1",
                   help="distance of the cycle and identity losses (paper: l1; see vc_common.recon)")
    vc_common.add_arguments(p)
    args = p.parse_args()
    tr = Trainer("stargan_vc", "vcc2016", args)

    torch.backends.cudnn.benchmark = tr.device.type == "cuda"  # fixed shapes: let cuDNN pick the fastest kernels
    feats = _vc.corpus_features("vcc2016")
    speakers = list(_vc.SPEAKERS)
    groups = {s: feats.where("train", s) for s in speakers}
    stats = _vc.speaker_stats(feats, groups)  # normalisation facts ship in config.json
    config = Config(speakers=speakers, g_width=args.g_width, g_res=args.g_res, d_width=args.d_width,
                    frames=args.frames, stats=stats, arch="vc2", res_width=args.res_width)
    segs = _vc.Segments(feats, stats, groups, args.frames, device=tr.device)
    n = len(speakers)

    nets = StarganVcPipeline.build(config).to(tr.device)
    G, D = nets["G"], nets["D"]
    G_ema = copy.deepcopy(G).eval()
    prior = vc_common.init_from(args.init_from, "vcc2016", {"G": G, "D": D}, fresh=("D",) if args.fresh_d else ())
    if prior:
        G_ema.load_state_dict(G.state_dict())
    opt_g = torch.optim.Adam(G.parameters(), args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), args.d_lr, betas=(0.5, 0.999))
    objects = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)
    clock = vc_common.Clock(start, args.max_minutes)
    facts = {"frames": args.frames, "lambda_cyc": args.lambda_cyc, "lambda_id": args.lambda_id,
             "id_steps": args.id_steps, "lambda_id_late": args.lambda_id_late, "d_lr": args.d_lr,
             "recon_loss": args.recon_loss,
             **vc_common.d_facts(args)}

    def shipped():
        return shipped_state(G=G_ema, D=D)

    step = start
    for step in progress(start, args.steps, tr.main):
        if clock.out_of_time():
            break
        g = tr.generator(step)
        src = torch.randint(0, n, (args.batch,), generator=g)
        trg = (src + torch.randint(1, n, (args.batch,), generator=g)) % n  # another speaker
        x = segments_of(segs, speakers, src, g)    # (B, 35, T) source speech
        y = segments_of(segs, speakers, trg, g)    # real speech of the targets, other sentences
        src, trg = src.to(tr.device), trg.to(tr.device)
        to_trg, back, same = pair_code(src, trg, n), pair_code(trg, src, n), pair_code(src, src, n)

        def noisy(v: torch.Tensor) -> torch.Tensor:  # what D sees (instance noise, when asked for)
            return vc_common.instance_noise(v, step, args, g)

        # D on (source, target) pairs: real y of speaker trg under (src, trg) -> 1; G(x, src -> trg) -> 0
        with tr.autocast():
            with torch.no_grad():
                fake = G(x, to_trg)
            d_loss = ((D(noisy(y), src * n + trg) - args.real_label).pow(2).mean()
                      + D(noisy(fake), src * n + trg).pow(2).mean())
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        tr.sync(D)
        opt_d.step()

        # G: fool D as the pair's conversion, come back to x, and leave x alone when told (src, src)
        with tr.autocast():
            fake = G(x, to_trg)
            adv = (D(noisy(fake), src * n + trg) - 1).pow(2).mean()
            cyc = vc_common.recon(G(fake, back), x, args)
            g_loss = adv + args.lambda_cyc * cyc
            idt = torch.zeros(())
            lambda_id = args.lambda_id if step < args.id_steps else args.lambda_id_late
            if lambda_id > 0:
                idt = vc_common.recon(G(x, same), x, args)
                g_loss = g_loss + lambda_id * idt
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        tr.sync(G)
        opt_g.step()
        update_ema(G_ema, G, step)

        if tr.main and (step + 1) % args.log_every == 0:
            log.info("step %d d %.3f | adv %.3f cyc %.3f id %.3f | %.2f steps/s, %.1f min", step + 1, d_loss.item(),
                     adv.item(), cyc.item(), idt.item(), clock.rate(step + 1), tr.elapsed() / 60)
        if (step + 1) % args.sample_every == 0:
            save_sample(tr, step + 1, x, fake)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)
            if args.export and tr.main:
                vc_common.export(args.export, shipped(), {**facts, "steps": step + 1, "minutes": tr.elapsed() / 60})
    else:
        step = args.steps
    # `step` is now the number of steps done: where --max-minutes broke the loop, else --steps
    vc_common.finish(tr, args, config, shipped, facts, prior, step)


if __name__ == "__main__":
    main()
