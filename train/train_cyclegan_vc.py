"""Train `cyclegan_vc`: CycleGAN-VC2 (Kaneko et al. 2019) between VCC2016 speakers SF1 and TM1, non-parallel.

    python train/train_cyclegan_vc.py --threads 1 --max-minutes 60          # CPU, one shared core
    python train/train_cyclegan_vc.py --threads 1 --resume                  # continue after an interruption
    python train/train_cyclegan_vc.py --init-from checkpoints/cyclegan_vc   # continue from the shipped weights
    bash train/gpu_job.sh train 8 1                                          # a lent GPU: see that script
SF1 trains on utterances 100001-100081, TM1 on 100082-100162 (disjoint sentences). Recipe (--arch vc2):
the 2-1-2D gated CNN generator (xmgan/models/_vc.Generator212), 2-D gated PatchGAN discriminators, least-squares
GAN loss, cycle loss x10, identity-mapping loss x5 for the first --id-steps steps and then off, 128-frame
segments, Adam 2e-4 (G) / 1e-4 (D), betas (0.5, 0.999). Writes checkpoints/cyclegan_vc/ (variant sf1_tm1);
then run `python -m xmgan.evaluate cyclegan_vc`. The first run of any VC script computes the WORLD features
of the corpus (about 3 minutes, cached under ~/.cache/xmgan/world_cache/, $XMGAN_CACHE).
"""
import copy

import torch

import vc_common
from common import Trainer, base_parser, log, progress, shipped_state, update_ema
from train_stargan_vc import save_sample

from xmgan.models import _vc
from xmgan.models.cyclegan_vc import SOURCE_UTTS, TARGET_UTTS, Config, CycleganVcPipeline


def main() -> None:
    p = base_parser(__doc__, steps=10**7, batch=8, lr=2e-4)
    p.add_argument("--d-lr", type=float, default=1e-4)
    p.add_argument("--lambda-cyc", type=float, default=10.0)
    p.add_argument("--lambda-id", type=float, default=5.0)
    p.add_argument("--id-steps", type=int, default=2000, help="identity loss weight --lambda-id before this step")
    p.add_argument("--lambda-id-late", type=float, default=0.0, help="identity loss weight after --id-steps")
    p.add_argument("--frames", type=int, default=128)
    p.add_argument("--arch", choices=["vc2", "v1"], default="vc2")
    p.add_argument("--g-width", type=int, default=32)
    p.add_argument("--res-width", type=int, default=128)
    p.add_argument("--g-res", type=int, default=6)
    p.add_argument("--d-width", type=int, default=16)
    p.add_argument("--source", default="SF1")
    p.add_argument("--target", default="TM1")
    p.add_argument("--log-every", type=int, default=100)
    p.add_argument("--recon-loss", choices=["l1", "l2"], default="l1",
                   help="distance of the cycle and identity losses (paper: l1; see vc_common.recon)")
    vc_common.add_arguments(p)
    args = p.parse_args()
    variant = f"{args.source}_{args.target}".lower()
    tr = Trainer("cyclegan_vc", variant, args)

    torch.backends.cudnn.benchmark = tr.device.type == "cuda"  # fixed shapes: let cuDNN pick the fastest kernels
    feats = _vc.corpus_features("vcc2016")
    groups = {args.source: feats.where("train", args.source, SOURCE_UTTS),
              args.target: feats.where("train", args.target, TARGET_UTTS)}
    stats = _vc.speaker_stats(feats, groups)
    config = Config(source=args.source, target=args.target, g_width=args.g_width, g_res=args.g_res,
                    d_width=args.d_width, frames=args.frames, stats=stats, arch=args.arch, res_width=args.res_width)
    segs = _vc.Segments(feats, stats, groups, args.frames, device=tr.device)  # all segments live on the device

    nets = CycleganVcPipeline.build(config).to(tr.device)
    G_xy, G_yx, D_x, D_y = nets["G_xy"], nets["G_yx"], nets["D_x"], nets["D_y"]
    ema_xy, ema_yx = copy.deepcopy(G_xy).eval(), copy.deepcopy(G_yx).eval()
    prior = vc_common.init_from(args.init_from, variant, {"G_xy": G_xy, "G_yx": G_yx, "D_x": D_x, "D_y": D_y},
                                 fresh=("D_x", "D_y") if args.fresh_d else ())
    if prior:
        ema_xy.load_state_dict(G_xy.state_dict())
        ema_yx.load_state_dict(G_yx.state_dict())
    opt_g = torch.optim.Adam(list(G_xy.parameters()) + list(G_yx.parameters()), args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(D_x.parameters()) + list(D_y.parameters()), args.d_lr, betas=(0.5, 0.999))
    objects = {"G_xy": G_xy, "G_yx": G_yx, "D_x": D_x, "D_y": D_y, "ema_xy": ema_xy, "ema_yx": ema_yx,
               "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)
    clock = vc_common.Clock(start, args.max_minutes)
    facts = {"frames": args.frames, "lambda_cyc": args.lambda_cyc, "lambda_id": args.lambda_id,
             "id_steps": args.id_steps, "lambda_id_late": args.lambda_id_late, "d_lr": args.d_lr,
             "recon_loss": args.recon_loss,
             "utterances": {args.source: list(SOURCE_UTTS), args.target: list(TARGET_UTTS)},
             **vc_common.d_facts(args)}

    def shipped():
        return shipped_state(G_xy=ema_xy, G_yx=ema_yx, D_x=D_x, D_y=D_y)

    step = start
    for step in progress(start, args.steps, tr.main):
        if clock.out_of_time():
            break
        g = tr.generator(step)
        x = segs.batch(args.source, args.batch, g)   # (B, 35, T) standardised source speech
        y = segs.batch(args.target, args.batch, g)   # target speech of other sentences

        def noisy(v: torch.Tensor) -> torch.Tensor:  # what D sees (instance noise, when asked for)
            return vc_common.instance_noise(v, step, args, g)

        # D: least squares, real -> 1 (or --real-label), converted -> 0, one D per speaker
        with tr.autocast():
            with torch.no_grad():
                fake_y, fake_x = G_xy(x), G_yx(y)
            d_loss = ((D_y(noisy(y)) - args.real_label).pow(2).mean() + D_y(noisy(fake_y)).pow(2).mean()
                      + (D_x(noisy(x)) - args.real_label).pow(2).mean() + D_x(noisy(fake_x)).pow(2).mean())
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        tr.sync(D_x, D_y)
        opt_d.step()

        # G: adversarial + cycle consistency (+ identity mapping in the first phase only, as in the paper)
        with tr.autocast():
            fake_y, fake_x = G_xy(x), G_yx(y)
            adv = (D_y(noisy(fake_y)) - 1).pow(2).mean() + (D_x(noisy(fake_x)) - 1).pow(2).mean()
            cyc = vc_common.recon(G_yx(fake_y), x, args) + vc_common.recon(G_xy(fake_x), y, args)
            g_loss = adv + args.lambda_cyc * cyc
            idt = torch.zeros(())
            lambda_id = args.lambda_id if step < args.id_steps else args.lambda_id_late
            if lambda_id > 0:
                idt = vc_common.recon(G_xy(y), y, args) + vc_common.recon(G_yx(x), x, args)
                g_loss = g_loss + lambda_id * idt
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        tr.sync(G_xy, G_yx)
        opt_g.step()
        update_ema(ema_xy, G_xy, step)
        update_ema(ema_yx, G_yx, step)

        if tr.main and (step + 1) % args.log_every == 0:
            log.info("step %d d %.3f | adv %.3f cyc %.3f id %.3f | %.2f steps/s, %.1f min", step + 1, d_loss.item(),
                     adv.item(), cyc.item(), idt.item(), clock.rate(step + 1), tr.elapsed() / 60)
        if (step + 1) % args.sample_every == 0:
            save_sample(tr, step + 1, x, fake_y)
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
