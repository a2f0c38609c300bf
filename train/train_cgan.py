"""Train `cgan`: the conditional GAN of Mirza & Osindero, G(z, y) and D(x, y), on MNIST or Fashion-MNIST.

    python train/train_cgan.py --dataset mnist
    python train/train_cgan.py --dataset fashion
    python train/train_cgan.py --dataset mnist --resume
Writes the variant into checkpoints/cgan/; then run `python -m xmgan.evaluate cgan`.
"""
import copy

import torch
import torch.nn.functional as F

from common import Trainer, base_parser, progress, shipped_state, tensors_from, update_ema

from xmgan.data import load_images
from xmgan.models.cgan import CganPipeline, Config


def main() -> None:
    p = base_parser(__doc__, steps=8000, batch=64, lr=2e-4)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion"])
    p.add_argument("--width", type=int, default=Config.width)
    args = p.parse_args()
    tr = Trainer("cgan", args.dataset, args)

    x, y = tensors_from(load_images(args.dataset, "train"))
    config = Config(dataset=args.dataset, width=args.width)
    nets = CganPipeline.build(config)
    G, D = tr.prepare(nets["G"]), tr.prepare(nets["D"])
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)  # shipped weights: EMA of G (see train_gan.py)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    objects = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)
    fixed_z = torch.randn(80, config.z_dim, generator=torch.Generator().manual_seed(1234)).to(tr.device)
    fixed_y = torch.arange(config.n_classes).repeat_interleave(8).to(tr.device)  # one row per class

    bar = progress(start, args.steps, tr.main)
    for step in bar:
        g = tr.generator(step)
        real, y_real = tr.batch(x, y, g)
        z = torch.randn(args.batch, config.z_dim, generator=g).to(tr.device)
        y_fake = torch.randint(0, config.n_classes, (args.batch,), generator=g).to(tr.device)

        # D sees (x, y) pairs: real images with their labels vs generated images with the asked label.
        with tr.autocast():
            fake = G(z, y_fake)
            d_real, d_fake = D(real, y_real), D(fake.detach(), y_fake)
            loss_d = (F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real))
                      + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake)))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D)
        opt_d.step()

        # G: non-saturating loss on log D(G(z, y), y).
        with tr.autocast():
            d_gen = D(fake, y_fake)
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
                tr.save_samples(step + 1, G_ema(fixed_z, fixed_y), nrow=8)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.average_buffers(G_ema, D)
    tr.finish(config, shipped_state(G=G_ema, D=D))


if __name__ == "__main__":
    main()
