"""Train a judge: a small CNN classifier for one domain, used by evaluation and the app.

    python train/train_judges.py --dataset mnist      # goal >= 99.3% test accuracy
    python train/train_judges.py --dataset fashion    # goal >= 91%
    python train/train_judges.py --dataset printed    # rendered printed digits (train/make_printed_digits.py)
    python train/train_judges.py --dataset domain     # 4-way: which of MNIST, USPS, MNIST-M, printed
    python train/train_judges.py --second --dataset mnist --seed 11   # the second judge (checkpoints/judges_b/)
    python train/train_judges.py --teacher --seed 7   # the translators' frozen digit classifier (checkpoints/teacher/)
    python train/train_judges.py --teacher --dataset fashion --seed 7   # ... and a Fashion-MNIST one (same folder)
Writes the variant into checkpoints/judges/ (judges_b/ with --second); `python -m xmgan.evaluate judges
judges_b` measures them. The teacher is a training aid of the translators (semantic consistency), with its
own weights and seed, never an evaluation judge: variant "digits4" is a digit classifier on all four digit
domains in their shared 32x32 layout (CycleGAN, StarGAN, the latent-space GAN into digits), variant
"fashion" a Fashion-MNIST classifier (the latent-space GAN's MNIST -> Fashion; evaluated by both judge sets'
Fashion judges, whose lower figure counts).
"""
import torch
import torch.nn.functional as F
from common import Trainer, base_parser, progress, tensors_from

from xmgan.data import DOMAINS, load_images
from xmgan.domains import domain_split, load_frames
from xmgan.judges import Config, build_judge


def shift(x: torch.Tensor, g: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Random translation by up to max_shift pixels (pad with background and crop): cheap augmentation
    that makes the judge read slightly off-centre generated digits as well as real ones."""
    b, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4, value=-1.0)
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2,), generator=g).tolist()
    return padded[:, :, dy:dy + h, dx:dx + w]


def flip(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Each image mirrored left-right with probability 1/2 (a garment's mirror image is the same garment)."""
    mirror = (torch.rand(len(x), generator=g) < 0.5).to(x.device)[:, None, None, None]
    return torch.where(mirror, x.flip(-1), x)


def warp(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random affine warp per image (rotation +-12 degrees, scale 0.85-1.15, shift +-10%, shear +-0.15):
    the second judge's augmentation, other than the first judge's integer shifts; edges extended."""
    b = len(x)
    r = lambda lo, hi: (lo + (hi - lo) * torch.rand(b, generator=g)).to(x.device)  # noqa: E731
    ang, sc, sh = r(-0.21, 0.21), r(0.85, 1.15), r(-0.15, 0.15)
    cos, sin = torch.cos(ang) / sc, torch.sin(ang) / sc
    theta = torch.stack([torch.stack([cos, -sin + sh, r(-0.2, 0.2)], 1),
                         torch.stack([sin, cos, r(-0.2, 0.2)], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="border")


def digits4(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits of all four domains in the shared colour layout, labelled by digit (the teacher's data)."""
    xs, ys = zip(*(load_frames(d, split, 3) for d in DOMAINS))
    return torch.cat(xs), torch.cat(ys)


def main() -> None:
    p = base_parser(__doc__, steps=4000, batch=128, lr=2e-3)
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion", "usps", "mnist_m", "printed", "domain"])
    p.add_argument("--second", action="store_true", help="train the second judge (resnet_gn, checkpoints/judges_b/)")
    p.add_argument("--teacher", action="store_true",
                   help="train a translators' teacher (checkpoints/teacher/): the four digit domains, or with "
                        "--dataset fashion Fashion-MNIST")
    args = p.parse_args()
    if args.teacher:
        args.dataset = "fashion" if args.dataset == "fashion" else "digits4"
    model_id = "teacher" if args.teacher else "judges_b" if args.second else "judges"
    tr = Trainer(model_id, args.dataset, args)

    if args.dataset == "digits4":
        x, y = digits4("train")
    elif args.dataset == "domain":  # the four digit domains in the translation models' shared 32x32 layout
        x, y = domain_split("train", per_domain=15000)
    else:
        x, y = tensors_from(load_images(args.dataset, "train"))
    n_classes = len(DOMAINS) if args.dataset == "domain" else 10
    config = Config(dataset=args.dataset, channels=x.shape[1], image_size=x.shape[-1], n_classes=n_classes,
                    arch="resnet_gn" if args.second else "cnn")
    net = tr.prepare(build_judge(config))
    x = x.to(tr.device)  # these datasets fit on any device
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    # One-cycle schedule: fast convergence in a fixed budget of steps.
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps)
    start = tr.load_state({"net": net, "opt": opt, "sched": sched})

    net.train()
    bar = progress(start, args.steps, tr.main)
    for step in bar:
        g = tr.generator(step)
        xb, yb = tr.batch(x, y, g)
        if args.dataset == "fashion":  # clothes are centred by construction: no shift; the second judge's
            if args.second:            # augmentation is a left-right flip (warped, it read 87.0% of the test set)
                xb = flip(xb, g)
        elif args.second and args.dataset != "domain":
            xb = warp(xb, g)
        else:  # digits are not centred
            # (the second domain judge too gets shifts only: resampling blurs MNIST strokes into USPS-like
            # ones, the very cue between those domains; warped, it read only 57% of USPS and 81% of MNIST
            # test images as theirs)
            xb = shift(xb, g)
        with tr.autocast():
            loss = F.cross_entropy(net(xb), yb, label_smoothing=0.05)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        tr.sync(net)
        opt.step()
        sched.step()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, {"net": net, "opt": opt, "sched": sched})

    tr.finish(config, net.state_dict())


if __name__ == "__main__":
    main()
