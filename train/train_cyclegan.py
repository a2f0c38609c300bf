"""Train `cyclegan`: CycleGAN (Zhu et al., ICCV 2017) on one pair of digit domains, both directions at once.

    python train/train_cyclegan.py --pair usps_mnist --threads 1
    python train/train_cyclegan.py --pair mnist_mnist_m --threads 1
    python train/train_cyclegan.py --pair usps_mnist --resume     # after an interruption
    python train/train_cyclegan.py --pair usps_mnist --resume --steps 6000   # the shipped weights: 3,000
        # more steps after the first 3,000, the learning rate back at 2e-4 and decayed to zero again
Writes the pair as a variant of checkpoints/cyclegan/; then run `python -m xmgan.evaluate cyclegan`.
xmgan/models/cyclegan.py describes the networks and what follows the paper.
"""
import copy

import torch
import torch.nn.functional as F

from common import Trainer, base_parser, load_teacher, log, progress, shipped_state, update_ema

from xmgan.domains import load_frames
from xmgan.models.cyclegan import PAIRS, CycleganPipeline


class ImagePool:
    """The paper's history of generated images: D sees a mix of the newest fakes and up to `size` older
    ones, which damps oscillation. Its contents are saved with the training state (exact --resume).
    Kept on the training device and updated a batch at a time (no per-image host round trips)."""

    def __init__(self, size: int = 50):
        self.size, self.images = size, torch.empty(0)

    def query(self, fake: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        fake = fake.detach().float()
        if len(self.images) < self.size:  # fill the pool first, returning the new images
            self.images = torch.cat([self.images.to(fake.device), fake])[:self.size]
            return fake
        # half the time an image is swapped with a stored one, which D sees instead
        swap = (torch.rand(len(fake), generator=g) < 0.5).to(fake.device)
        slot = torch.randint(0, self.size, (len(fake),), generator=g).to(fake.device)
        self.images = self.images.to(fake.device)
        out = torch.where(swap[:, None, None, None], self.images[slot], fake)
        self.images[slot[swap]] = fake[swap]
        return out

    def state_dict(self) -> dict:
        return {"images": self.images}

    def load_state_dict(self, d: dict) -> None:
        self.images = d["images"]


def lsgan(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss: (D(x) - 1)^2 for real, D(x)^2 for fake."""
    return (scores.float() - (1.0 if real else 0.0)).pow(2).mean()


def main() -> None:
    p = base_parser(__doc__, steps=3000, batch=8, lr=2e-4)
    p.add_argument("--pair", default="usps_mnist", choices=list(PAIRS))
    p.add_argument("--lambda-cycle", type=float, default=10.0, help="cycle-consistency weight (paper: 10)")
    p.add_argument("--lambda-identity", type=float, default=0.5, help="identity weight, times lambda-cycle (paper: 0.5)")
    p.add_argument("--pool", type=int, default=50, help="history of generated images per D (paper: 50)")
    p.add_argument("--lambda-sem", type=float, default=1.0,
                   help="semantic consistency (CyCADA): the frozen teacher's cross-entropy of each translation "
                        "against its source digit (0: off, round 1)")
    args = p.parse_args()
    config = CycleganPipeline.config_for(args.pair)
    tr = Trainer("cyclegan", args.pair, args)

    # Both domains in the shared 32x32 layout (xmgan/domains.py), unpaired: labels are never used.
    # Unpaired: no image is matched to another; labels reach only the teacher's loss (each translation
    # keeps its own source digit), never D or the cycle.
    xa, ya = load_frames(config.domain_a, "train", config.channels)
    xb, yb = load_frames(config.domain_b, "train", config.channels)
    if args.pair == "mnist_mnist_m" and len(xa) >= 4 * len(xb):
        xa, ya = xa[len(xb):], ya[len(xb):]  # MNIST-M train image i is MNIST train image i on a photo: keep the sides unpaired
    xa, ya, xb, yb = (t.to(tr.device) for t in (xa, ya, xb, yb))  # these fit on any device
    xa_test, _ = load_frames(config.domain_a, "test", config.channels)
    xb_test, _ = load_frames(config.domain_b, "test", config.channels)
    log.info("%s: %d %s and %d %s training images", args.pair, len(xa), config.domain_a, len(xb), config.domain_b)

    nets = CycleganPipeline.build(config)
    tr.init_from(nets)
    teacher = load_teacher(tr.device) if args.lambda_sem else None
    G, Fn, D_A, D_B = (tr.prepare(nets[k]) for k in ("G", "F", "D_A", "D_B"))
    G_ema, F_ema = (copy.deepcopy(m).eval().requires_grad_(False) for m in (G, Fn))
    opt_g = torch.optim.Adam([*G.parameters(), *Fn.parameters()], lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam([*D_A.parameters(), *D_B.parameters()], lr=args.lr, betas=(0.5, 0.999))
    pool_a, pool_b = ImagePool(args.pool), ImagePool(args.pool)
    objects = {"G": G, "F": Fn, "D_A": D_A, "D_B": D_B, "G_ema": G_ema, "F_ema": F_ema,
               "opt_g": opt_g, "opt_d": opt_d, "pool_a": pool_a, "pool_b": pool_b}
    start = tr.load_state(objects)
    fixed_a, fixed_b = xa_test[:16].to(tr.device), xb_test[:16].to(tr.device)
    lam_c, lam_i = args.lambda_cycle, args.lambda_cycle * args.lambda_identity

    bar = progress(start, args.steps, tr.main)
    for step in bar:
        if tr.stop(step):
            break
        # The paper's schedule: constant, then linear decay to zero over the second half.
        lr = args.lr * min(1.0, 2.0 * (1 - tr.fraction(step)))
        for opt in (opt_g, opt_d):
            for group in opt.param_groups:
                group["lr"] = lr
        g = tr.generator(step)
        a, la = tr.batch(xa, ya, g)
        b, lb = tr.batch(xb, yb, g)

        # Generators: fool both Ds, come back around both cycles, leave target-domain images alone.
        D_A.requires_grad_(False), D_B.requires_grad_(False)
        with tr.autocast():
            fake_b, fake_a = G(a), Fn(b)
            adv = lsgan(D_B(fake_b), True) + lsgan(D_A(fake_a), True)
            cycle = (Fn(fake_b).float() - a).abs().mean() + (G(fake_a).float() - b).abs().mean()
            ident = (G(b).float() - b).abs().mean() + (Fn(a).float() - a).abs().mean() if lam_i else torch.zeros(())
            loss_g = adv + lam_c * cycle + lam_i * ident
            if teacher is not None:
                sem = F.cross_entropy(teacher(fake_b.float()).float(), la) + F.cross_entropy(teacher(fake_a.float()).float(), lb)
                loss_g = loss_g + args.lambda_sem * sem
            else:
                sem = torch.zeros((), device=a.device)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(G, Fn)
        opt_g.step()
        D_A.requires_grad_(True), D_B.requires_grad_(True)
        update_ema(G_ema, G, step)
        update_ema(F_ema, Fn, step)

        # Discriminators: real vs generated images from the history pools; the paper halves this loss.
        old_b = pool_b.query(fake_b, g).to(tr.device)
        old_a = pool_a.query(fake_a, g).to(tr.device)
        with tr.autocast():
            loss_d = 0.5 * (lsgan(D_B(b), True) + lsgan(D_B(old_b), False)
                            + lsgan(D_A(a), True) + lsgan(D_A(old_a), False))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D_A, D_B)
        opt_d.step()

        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.3f}", adv=f"{adv.item():.3f}", cyc=f"{cycle.item():.3f}",
                            idt=f"{ident.item():.3f}", sem=f"{sem.item():.3f}", refresh=False)
        if (step + 1) % args.sample_every == 0:
            with torch.no_grad():  # rows: A, G(A), F(G(A)), B, F(B), G(F(B)) for 8 test images each
                ga = G_ema(fixed_a[:8])
                fb = F_ema(fixed_b[:8])
                rows = [fixed_a[:8], ga, F_ema(ga), fixed_b[:8], fb, G_ema(fb)]
                tr.save_samples(step + 1, torch.cat([r.expand(-1, 3, -1, -1) for r in rows]), nrow=8)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.finish(config, shipped_state(G=G_ema, F=F_ema, D_A=D_A, D_B=D_B),
              extra={"lambda_sem": args.lambda_sem, "init_from": str(args.init_from) if args.init_from else None})


if __name__ == "__main__":
    main()
