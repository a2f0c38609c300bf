"""Train `gan`: DCGAN-style generator and discriminator on MNIST with the non-saturating loss.

    python train/train_gan.py                 # ~15 min on 2 CPU cores
    python train/train_gan.py --resume        # continue after an interruption, at the exact step
    torchrun --nproc_per_node=2 train/train_gan.py
    python train/train_gan.py --width 64 --spectral-norm --loss hinge --beta1 0 --batch 128 --steps 200000 --max-minutes 8
        # the shipped recipe, on a lent GPU (train/gpu_job.sh: three such stages, each --init-from the last)
    python train/train_gan.py --width 64 --spectral-norm --loss hinge --beta1 0 --batch 128 --steps 0 \
        --init-from checkpoints/gan    # no training: re-export with the sampler's gate (d_gate) computed
Writes checkpoints/gan/ (variant "mnist"); then run `python -m xmgan.evaluate gan`.
"""
import copy

import torch
import torch.nn.functional as F

from common import Trainer, base_parser, progress, recompute_bn, shipped_state, tensors_from, update_ema

from xmgan.data import load_images
from xmgan.models.gan import GATE_QUANTILE, Config, GanPipeline, d_gate_of


def main() -> None:
    p = base_parser(__doc__, steps=8000, batch=64, lr=2e-4)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion"])
    p.add_argument("--width", type=int, default=Config.width)
    p.add_argument("--spectral-norm", action="store_true", help="D with spectral norm instead of batch norm")
    p.add_argument("--loss", choices=["ns", "hinge"], default="ns",
                   help="ns: the paper's non-saturating loss; hinge: Miyato et al. 2018's hinge loss")
    p.add_argument("--beta1", type=float, default=0.5)
    args = p.parse_args()
    tr = Trainer("gan", args.dataset, args)

    x, _ = tensors_from(load_images(args.dataset, "train"))
    x = x.to(tr.device)  # fits on any device
    config = Config(dataset=args.dataset, width=args.width, spectral_norm=args.spectral_norm)
    nets = GanPipeline.build(config)
    tr.init_from(nets)
    G, D = tr.prepare(nets["G"]), tr.prepare(nets["D"])
    # The shipped generator is an exponential moving average of G's weights: smoother samples, lower
    # Frechet distance, no extra training cost (Karras et al. 2018 practice; not in the 2014 paper).
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(args.beta1, 0.999))  # DCGAN's Adam settings
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
    objects = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)
    fixed_z = torch.randn(64, config.z_dim, generator=torch.Generator().manual_seed(1234)).to(tr.device)

    bar = progress(start, args.steps, tr.main)
    for step in bar:
        if tr.stop(step):
            break
        if args.max_minutes:  # time-boxed: constant, then linear decay to zero over the second half
            lr = args.lr * min(1.0, 2.0 * (1 - tr.fraction(step)))
            for opt in (opt_g, opt_d):
                for group in opt.param_groups:
                    group["lr"] = lr
        g = tr.generator(step)
        real, _ = tr.batch(x, None, g)
        z = torch.randn(args.batch, config.z_dim, generator=g).to(tr.device)

        # D: maximise log D(x) + log(1 - D(G(z))).
        with tr.autocast():
            fake = G(z)
            d_real, d_fake = D(real).float(), D(fake.detach()).float()
            if args.loss == "hinge":
                loss_d = F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
            else:
                loss_d = (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                          + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D)
        opt_d.step()

        # G: the non-saturating loss, maximise log D(G(z)) (strong gradients early in training).
        with tr.autocast():
            d_gen = D(fake).float()
            if args.loss == "hinge":
                loss_g = -d_gen.mean()
            else:
                loss_g = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(G)
        opt_g.step()
        update_ema(G_ema, G, step)
        tr.log_losses(step, d=loss_d, g=loss_g)

        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.3f}", g=f"{loss_g.item():.3f}", refresh=False)
        if (step + 1) % args.sample_every == 0:
            with torch.no_grad():
                tr.save_samples(step + 1, G_ema(fixed_z), nrow=8)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.average_buffers(G_ema, D)
    if tr.steps_done > start or not args.init_from:  # (--steps 0 --init-from only re-exports those weights)
        # The EMA weights never ran in train mode: re-estimate batch norm's statistics for them.
        recompute_bn(G_ema, lambda n: torch.randn(n, config.z_dim, device=tr.device))
    # The tab's sampler keeps the draws this D scores at least as real as 99% of the training digits.
    config.d_gate = d_gate_of(nets["D"].eval(), x)
    tr.finish(config, shipped_state(G=G_ema, D=D),
              extra={"loss": args.loss, "beta1": args.beta1, "bn_recomputed": True, "d_gate_quantile": GATE_QUANTILE})


if __name__ == "__main__":
    main()
