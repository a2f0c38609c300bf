"""Train `dtn`: the Domain Transfer Network of Taigman, Polyak & Wolf (ICLR 2017), G = g o f.

    python train/train_dtn.py --task mnist_m2mnist   # ~17 min on 2 CPU cores (f ~2 min, then g and D ~14 min)
    python train/train_dtn.py --task usps2mnist      # the same
    python train/train_dtn.py --source svhn          # = --task svhn2mnist; needs torchvision to download SVHN
    python train/train_dtn.py --task usps2mnist --resume
Stage 1 trains f, a classifier of the SOURCE domain, and freezes it; stage 2 trains g and the 3-way D
(xmgan/models/dtn.py explains the losses). Writes the task as a variant of checkpoints/dtn/; then run
`python -m xmgan.evaluate dtn`. Sharing the 2 cores with another training run, pass --threads 1: two
processes with 2 threads each on 2 cores can run many times slower than either alone.
"""
import copy
import math

import torch
import torch.distributed as dist
import torch.nn.functional as F

from common import Trainer, base_parser, log, progress, shipped_state, update_ema

from xmgan.data import load_images
from xmgan.models.dtn import TASKS, DtnPipeline, to_domain

F_STREAM = 10_000_000  # stage 1 draws from tr.generator(F_STREAM + step): its batches differ from stage 2's


class Stage:
    """Which stage the run is in (1: f, 2: g and D), saved in state.pt so --resume re-enters the right loop."""

    def __init__(self):
        self.stage, self.f_accuracy = 1, -1.0

    def state_dict(self) -> dict:
        return {"stage": self.stage, "f_accuracy": self.f_accuracy}

    def load_state_dict(self, d: dict) -> None:
        self.stage, self.f_accuracy = int(d["stage"]), float(d["f_accuracy"])


def jitter(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random affine per image (shift <= 2 px, scale 0.9-1.1, rotation <= 10 degrees): stage 1 augmentation,
    so f's features hold for slightly off-centre digits, which g will draw."""
    b = len(x)
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(10)
    scale = 1 + (torch.rand(b, generator=g) * 2 - 1) * 0.1
    shift = (torch.rand(b, 2, generator=g) * 2 - 1) * (2 / 16)  # grid units: 1 = half the image (16 px)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta.to(x.device), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="border", align_corners=False)


@torch.no_grad()
def accuracy(f, x: torch.Tensor, y: torch.Tensor, device, batch: int = 1000) -> float:
    f.eval()
    pred = torch.cat([f.classify(x[i:i + batch].to(device)).argmax(-1).cpu() for i in range(0, len(x), batch)])
    return float((pred == y).float().mean())


def tv_loss(x: torch.Tensor) -> torch.Tensor:
    """Anisotropic total variation: mean |horizontal| + mean |vertical| neighbour difference."""
    return (x[..., :, 1:] - x[..., :, :-1]).abs().mean() + (x[..., 1:, :] - x[..., :-1, :]).abs().mean()


def main() -> None:
    p = base_parser(__doc__, steps=6000, batch=64, lr=2e-4)
    p.add_argument("--task", default="mnist_m2mnist", choices=list(TASKS))
    p.add_argument("--source", default=None, choices=sorted({s for s, _ in TASKS.values()}),
                   help="shorthand: --source svhn is --task svhn2mnist")
    p.add_argument("--f-steps", type=int, default=None, help="stage 1: steps training f (default: half of --steps)")
    p.add_argument("--f-lr", type=float, default=2e-3)
    p.add_argument("--alpha", type=float, default=15.0, help="weight of L_CONST (paper: 15)")
    p.add_argument("--beta", type=float, default=15.0, help="weight of L_TID (paper: 15)")
    p.add_argument("--gamma", type=float, default=0.0, help="weight of L_TV (paper: 0 for digits)")
    args = p.parse_args()
    if args.source:
        args.task = f"{args.source}2mnist"
    if args.f_steps is None:  # f is a plain classifier: half as many (and ~4x cheaper) steps as the GAN stage
        args.f_steps = max(1, args.steps // 2)
    config = DtnPipeline.config_for(args.task)
    tr = Trainer("dtn", args.task, args)

    # Every domain as the networks see it: (N, C, 32, 32) in [-1, 1] (to_domain says how each is laid out).
    src_train, src_test = load_images(config.source, "train"), load_images(config.source, "test")
    xs, ys = to_domain(src_train.x, config.source, config), torch.from_numpy(src_train.y)
    xs_test, ys_test = to_domain(src_test.x, config.source, config), torch.from_numpy(src_test.y)
    tgt = load_images(config.target, "train")
    # MNIST-M train image i is MNIST train image i on a photo: drop those digits from the target pool so
    # the two domains share no underlying image (the method is meant for unpaired data). Tiny test
    # fixtures, where little would be left, keep the whole pool.
    keep = slice(None)
    if config.source == "mnist_m" and len(tgt) >= 2 * len(src_train):
        keep = slice(len(src_train), None)
    xt = to_domain(tgt.x[keep], config.target, config)
    tgt_test = load_images(config.target, "test")
    xt_test, yt_test = to_domain(tgt_test.x[:2000], config.target, config), torch.from_numpy(tgt_test.y[:2000])
    log.info("%s: %d source and %d target training images", args.task, len(xs), len(xt))

    nets = DtnPipeline.build(config)
    f, G, D = tr.prepare(nets["f"]), tr.prepare(nets["g"]), tr.prepare(nets["D"])
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)  # shipped g: EMA of the weights (see train_gan.py)
    opt_f = torch.optim.AdamW(f.parameters(), lr=args.f_lr, weight_decay=1e-4)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    stage = Stage()
    objects = {"f": f, "g": G, "D": D, "g_ema": G_ema, "opt_f": opt_f, "opt_g": opt_g, "opt_d": opt_d, "stage": stage}
    start = tr.load_state(objects)  # a step within the saved stage

    # Stage 1: f = a classifier of the source domain. Cosine learning rate, computed from the step, so a
    # resumed run follows the same schedule without a scheduler state.
    if stage.stage == 1:
        f.train()
        bar = progress(start, args.f_steps, tr.main)
        for step in bar:
            g = tr.generator(F_STREAM + step)
            xb, yb = tr.batch(xs, ys, g)
            for group in opt_f.param_groups:
                group["lr"] = args.f_lr * 0.5 * (1 + math.cos(math.pi * step / args.f_steps))
            xb = jitter(xb, g)
            with tr.autocast():
                loss = F.cross_entropy(f.classify(xb), yb, label_smoothing=0.05)
            opt_f.zero_grad(set_to_none=True)
            loss.backward()
            tr.sync(f)
            opt_f.step()
            if step % 50 == 0:
                bar.set_postfix(f_loss=f"{loss.item():.3f}", refresh=False)
            if (step + 1) % args.ckpt_every == 0:
                tr.save_state(step + 1, objects)
        tr.average_buffers(f)
        stage.stage, stage.f_accuracy, start = 2, accuracy(f, xs_test, ys_test, tr.device), 0
        tr.save_state(0, objects)
    # f on the target shows how much of the domain gap f already bridges (g must do the rest).
    log.info("f: %.2f%% on %s test, %.2f%% on %s test (first 2000)", 100 * stage.f_accuracy, config.source,
             100 * accuracy(f, xt_test, yt_test, tr.device), config.target)
    f.eval().requires_grad_(False)  # frozen from here on; gradients still flow through it to g (L_CONST)

    # Fixed source test images for the sample grids: 4 per class, each followed by its translation.
    pick = torch.cat([torch.nonzero(ys_test == c)[:4, 0] for c in range(config.n_classes)])
    fixed = xs_test[pick].to(tr.device)
    domain = torch.tensor([0] * args.batch + [1] * args.batch + [2] * args.batch, device=tr.device)  # D's classes
    as_real = torch.full((2 * args.batch,), 2, device=tr.device)  # g wants both kinds of G(x) read as real

    tr.restart_clock(start)  # steps/s in speed.json: stage 2 only
    bar = progress(start, args.steps, tr.main)
    for step in bar:
        g = tr.generator(step)
        xb_s, _ = tr.batch(xs, None, g)
        xb_t, _ = tr.batch(xt, None, g)

        # One pass of g over source and target features together: its batch-norm statistics are then those
        # of the mixture, as at inference (running averages).
        with tr.autocast():
            with torch.no_grad():
                fs = f(xb_s).float()
                ft = f(xb_t)
            fake = G(torch.cat([fs, ft.float()]))  # (2B, 1, 32, 32): G(source) then G(target)
            # L_D: D1 on G(source), D2 on G(target), D3 on real target; a sum of three means as in the paper.
            logits = D(torch.cat([fake.detach(), xb_t]))
            loss_d = 3 * F.cross_entropy(logits.float(), domain)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D)
        opt_d.step()

        D.requires_grad_(False)  # G step: gradients for the generated images only, not for D's weights
        with tr.autocast():
            fake_s, fake_t = fake.split(args.batch)
            gang = 2 * F.cross_entropy(D(fake).float(), as_real)  # -log D3 on G(source) and on G(target)
            const = F.mse_loss(f(fake_s).float(), fs)      # f(G(x)) = f(x) on the source
            tid = F.mse_loss(fake_t.float(), xb_t.float())  # G(x) = x on the target
            loss_g = gang + args.alpha * const + args.beta * tid
            if args.gamma:
                loss_g = loss_g + args.gamma * tv_loss(fake.float())
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(G)
        opt_g.step()
        D.requires_grad_(True)
        update_ema(G_ema, G, step)

        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.3f}", gan=f"{gang.item():.3f}", const=f"{const.item():.3f}",
                            tid=f"{tid.item():.3f}", refresh=False)
        if (step + 1) % args.sample_every == 0:
            with torch.no_grad():
                out = G_ema(f(fixed)).expand(-1, 3, -1, -1)
                pairs = torch.stack([fixed.expand(-1, 3, -1, -1), out], 1).flatten(0, 1)  # source, translation, ...
                tr.save_samples(step + 1, pairs, nrow=8)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.average_buffers(G, G_ema)
    tr.finish(config, shipped_state(f=f, g=G_ema, D=D),
              extra={"f_steps": args.f_steps, "f_source_test_accuracy": round(stage.f_accuracy, 4)})


if __name__ == "__main__":
    main()
