"""Train `stargan`: StarGAN (Choi et al., CVPR 2018) over four digit domains, one generator for all.

    python train/make_printed_digits.py               # once: renders the printed-digit domain
    python train/train_stargan.py --threads 1         # 3,000 G steps (6,000 D steps)
    python train/train_stargan.py --resume            # after an interruption
    python train/train_judges.py --teacher --seed 7   # once: the frozen digit teacher of the semantic loss
    python train/train_stargan.py --init-from checkpoints/stargan --batch 64 --steps 40000 --max-minutes 8
        # the shipped weights (round 2): from round 1's weights, with the semantic-consistency and
        # diversity losses and style noise, time-boxed on a lent GPU
Writes checkpoints/stargan/ (variant digits4); then `python -m xmgan.evaluate stargan`.
xmgan/models/stargan.py describes the networks, the losses and what differs from the paper.
"""
import copy

import torch
import torch.nn.functional as F

from common import Trainer, base_parser, load_teacher, log, progress, shipped_state, update_ema

from xmgan.domains import load_frames
from xmgan.models.stargan import StarganPipeline, one_hot


def gradient_penalty(D, real: torch.Tensor, fake: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """WGAN-GP: (||grad D_src(x_hat)||_2 - 1)^2 on random points between real and fake images."""
    eps = torch.rand(len(real), 1, 1, 1, generator=g).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    src, _ = D(x_hat)
    grad, = torch.autograd.grad(src.float().sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def main() -> None:
    p = base_parser(__doc__, steps=3000, batch=16, lr=2e-4)
    p.add_argument("--n-critic", type=int, default=2, help="D updates per G update (paper: 5)")
    p.add_argument("--lambda-gp", type=float, default=10.0)
    p.add_argument("--lambda-cls", type=float, default=1.0)
    p.add_argument("--lambda-rec", type=float, default=10.0)
    p.add_argument("--per-domain", type=int, default=20000, help="training images kept per domain (memory)")
    p.add_argument("--lambda-sem", type=float, default=1.0,
                   help="semantic consistency (CyCADA): the frozen teacher's cross-entropy of G(x, c) against x's "
                        "digit (0: off, round 1)")
    p.add_argument("--z-dim", type=int, default=8, help="style noise channels of G (0: none, round 1)")
    p.add_argument("--lambda-ds", type=float, default=0.5,
                   help="diversity (DSGAN): reward min(|G(x,c,z1) - G(x,c,z2)| / |z1 - z2|, tau)")
    p.add_argument("--ds-tau", type=float, default=0.15)
    args = p.parse_args()
    config = StarganPipeline.config_for("digits4")
    config.z_dim = args.z_dim
    tr = Trainer("stargan", "digits4", args)
    n_dom = len(config.domains)

    # Each domain's training images in the shared 32x32 colour layout; a batch draws a domain uniformly
    # for each image, then an image of that domain (the datasets' sizes differ 8-fold).
    data = [load_frames(d, "train", config.channels) for d in config.domains]
    sizes = torch.tensor([min(len(y), args.per_domain) for _, y in data])
    offsets = torch.cumsum(sizes, 0) - sizes
    pool = torch.cat([x[:n] for (x, _), n in zip(data, sizes)]).to(tr.device)  # these fit on any device
    pool_y = torch.cat([y[:n] for (_, y), n in zip(data, sizes)]).to(tr.device)
    del data
    log.info("domains %s: %s training images", config.domains, sizes.tolist())
    fixed = torch.cat([load_frames(d, "test", config.channels)[0][:4] for d in config.domains]).to(tr.device)

    def draw(g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(images, their domains, their digits); the digits feed only the teacher's loss."""
        dom = torch.randint(0, n_dom, (args.batch,), generator=g)
        idx = (offsets[dom] + (torch.rand(args.batch, generator=g) * sizes[dom]).long()).to(tr.device)
        x = pool[idx].contiguous(memory_format=torch.channels_last)
        return x, dom.to(tr.device), pool_y[idx]

    def noise(g: torch.Generator) -> torch.Tensor | None:
        return torch.randn(args.batch, args.z_dim, generator=g).to(tr.device) if args.z_dim else None

    nets = StarganPipeline.build(config)
    tr.init_from(nets)
    G, D = tr.prepare(nets["G"]), tr.prepare(nets["D"])
    teacher = load_teacher(tr.device) if args.lambda_sem else None
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    objects = {"G": G, "D": D, "G_ema": G_ema, "opt_g": opt_g, "opt_d": opt_d}
    start = tr.load_state(objects)

    bar = progress(start, args.steps, tr.main)
    for step in bar:
        if tr.stop(step):
            break
        lr = args.lr * min(1.0, 2.0 * (1 - tr.fraction(step)))  # constant, then linear decay to zero
        for opt in (opt_g, opt_d):
            for group in opt.param_groups:
                group["lr"] = lr

        # D: n_critic updates of WGAN-GP + domain classification of real images.
        for k in range(args.n_critic):
            g = tr.generator(step * (args.n_critic + 1) + k)
            x, dom, _ = draw(g)
            target = torch.randint(0, n_dom, (args.batch,), generator=g).to(tr.device)
            with torch.no_grad(), tr.autocast():
                fake = G(x, one_hot(target, n_dom), noise(g)).float()
            with tr.autocast():
                src_real, cls_real = D(x)
                src_fake, _ = D(fake)
                w_dist = src_real.float().mean() - src_fake.float().mean()
                loss_cls = F.cross_entropy(cls_real.float(), dom)
            gp = gradient_penalty(D, x, fake, g)
            loss_d = -w_dist + args.lambda_gp * gp + args.lambda_cls * loss_cls
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            tr.sync(D)
            opt_d.step()

        # G: fool D_src, be classified as the target domain, come back to x with the source code, keep
        # the digit in the teacher's eyes, and let two style noises give two different pictures.
        g = tr.generator(step * (args.n_critic + 1) + args.n_critic)
        x, dom, digit = draw(g)
        target = torch.randint(0, n_dom, (args.batch,), generator=g).to(tr.device)
        z1, z2 = noise(g), noise(g)
        D.requires_grad_(False)
        with tr.autocast():
            fake = G(x, one_hot(target, n_dom), z1)
            src_fake, cls_fake = D(fake)
            rec = G(fake, one_hot(dom, n_dom), z1)
            adv = -src_fake.float().mean()
            g_cls = F.cross_entropy(cls_fake.float(), target)
            loss_rec = (rec.float() - x).abs().mean()
            loss_g = adv + args.lambda_cls * g_cls + args.lambda_rec * loss_rec
            sem = F.cross_entropy(teacher(fake.float()).float(), digit) if teacher is not None else torch.zeros((), device=x.device)
            loss_g = loss_g + args.lambda_sem * sem
            if args.z_dim and args.lambda_ds:
                fake2 = G(x, one_hot(target, n_dom), z2)
                spread = (fake.float() - fake2.float()).abs().mean((1, 2, 3)) / (z1 - z2).abs().mean(1)
                loss_g = loss_g - args.lambda_ds * spread.clamp(max=args.ds_tau).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(G)
        opt_g.step()
        D.requires_grad_(True)
        update_ema(G_ema, G, step)

        if step % 50 == 0:
            bar.set_postfix(w=f"{w_dist.item():.2f}", gp=f"{gp.item():.3f}", d_cls=f"{loss_cls.item():.3f}",
                            g_cls=f"{g_cls.item():.3f}", rec=f"{loss_rec.item():.3f}", sem=f"{sem.item():.3f}",
                            refresh=False)
        if (step + 1) % args.sample_every == 0:
            with torch.no_grad():  # rows: 16 test inputs (4 per domain), then their translation into each domain
                rows = [fixed] + [G_ema(fixed, one_hot(torch.full((len(fixed),), t), n_dom).to(tr.device))
                                  for t in range(n_dom)]
                tr.save_samples(step + 1, torch.cat(rows), nrow=len(fixed))
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.finish(config, shipped_state(G=G_ema, D=D),
              extra={"n_critic": args.n_critic, "lambda_sem": args.lambda_sem, "lambda_ds": args.lambda_ds,
                     "ds_tau": args.ds_tau, "init_from": str(args.init_from) if args.init_from else None})


if __name__ == "__main__":
    main()
