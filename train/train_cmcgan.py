"""Train CMCGAN between spoken digits (FSDD training split) and handwritten digits (MNIST training set).

    python train/train_cmcgan.py --threads 1 --precision fp32 --max-minutes 60        # the shipped weights
    python train/train_cmcgan.py --threads 1 --precision fp32 --hold-out theo --max-minutes 30
        # variant fsdd_mnist_loso: never hears the speaker "theo" (scored on theo's test takes); its round 2
        # continues it with --init-from checkpoints/cmcgan and round 3's options below (README)
    python train/train_cmcgan.py --init-from checkpoints/cmcgan --inv-weight 3 --formant-range -2 9 \
        --pitch-range -4 16 ...                # continue from the shipped weights with higher voices
(fp32 because bf16 autocast is far slower on this CPU.) Sounds are maps of WORLD vocoder parameters
(`xmgan.audio.voice_features`), computed for all FSDD utterances at the start (about 20 s).

Each step:
- C learns the digit from real images and real speech (speech with voice augmentation);
- D learns real matched pairs against real mismatched pairs and pairs with a generated member;
- the encoders, decoders and style encoders learn: reconstruction a -> a and i -> i with the input's own
  style z (S_a, S_i; KL to N(0, 1)), the two cycles a -> i -> a and i -> a -> i, consistent intermediate
  encodings, to fool D, to be read by C as the input's digit, a voice-invariant encoding (E_a of the
  augmented utterance close to E_a of the recorded one), latent regression (a random z put into a
  cross-modal output must come back out of the frozen style encoder) and mode seeking (two z, two outputs).
Voice augmentation (on E_a's and C's input, never on the reconstruction targets): pitch shift -4..+14
semitones, an independent formant shift -2..+7 semitones (`xmgan.audio.voice_warp_matrix`), tempo 0.8-1.25x,
a shift of up to 4 frames and a little noise. Writes checkpoints/cmcgan/ with exponential moving averages of
the generators.
"""
import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from common import Trainer, base_parser, progress, shipped_state, update_ema
from PIL import Image

from xmgan import audio as au
from xmgan.data import to_uint8
from xmgan.models.cmcgan import (N_MCEP, CmcganPipeline, Config, fsdd_voice, mismatched, mnist_by_class, normalise,
                                 sample_of_class, voice_of_wavs)
from xmgan.pipeline import grid

GEN = ("E_a", "E_i", "G_a", "G_i", "S_a", "S_i")
LF0_ROW = N_MCEP                                               # row 28: log F0 mapped to [-1, 1]
LF0_PER_SEMITONE = 2 * math.log(2) / 12 / math.log(au.VOICE_F0_RANGE[1] / au.VOICE_F0_RANGE[0])


def bce(logits: torch.Tensor, real: bool) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits.float(), float(real)))


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.float() - b.float()).abs().mean()


class VoiceAugment:
    """Random other voices for (B, 1, 32, 64) normalised voice maps: pitch, formants, tempo, shift, noise."""

    def __init__(self, config: Config, device: torch.device, pitch=(-4.0, 14.0), formant=(-2.0, 7.0),
                 tempo=(0.8, 1.25), shift: int = 4, noise: float = 0.03):
        self.pitch, self.formant, self.tempo, self.shift, self.noise = pitch, formant, tempo, shift, noise
        self.grid = np.linspace(*formant, 37)                  # formant shifts in semitones, 0.25 apart
        mats = [au.voice_warp_matrix(2 ** (s / 12)) for s in self.grid]
        mean = np.asarray(config.mcep_mean)[:, None]
        std3 = 3 * np.asarray(config.mcep_std)[:, None]
        # In the model's normalised units: n' = ((std3 n + mean)^T W - mean) / std3, per row d.
        self.W = torch.tensor(np.stack(mats), dtype=torch.float32, device=device)          # (K, 28, 28)
        self.mean = torch.tensor(mean, dtype=torch.float32, device=device)                   # (28, 1)
        self.std3 = torch.tensor(std3, dtype=torch.float32, device=device)

    def __call__(self, x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
        b, dev = len(x), x.device
        u = torch.rand(b, 4, generator=g).to(dev)
        x = x.clone()
        # Formants: a vocal-tract-length warp of the envelope (a linear map of the raw mel-cepstrum).
        k = (u[:, 0] * (len(self.grid) - 1)).round().long()
        raw = x[:, 0, :N_MCEP] * self.std3 + self.mean                                       # (B, 28, T)
        warped = torch.einsum("bct,bcd->bdt", raw, self.W[k])
        x[:, 0, :N_MCEP] = ((warped - self.mean) / self.std3).clamp(-1, 1)
        # Pitch: log F0 moves by the shift (voiced or not: the row is interpolated through unvoiced frames).
        semis = self.pitch[0] + u[:, 1] * (self.pitch[1] - self.pitch[0])
        x[:, 0, LF0_ROW] = (x[:, 0, LF0_ROW] + (semis * LF0_PER_SEMITONE)[:, None]).clamp(-1, 1)
        # Tempo and position: resample the time axis about its centre (edges hold the window's silence).
        rate = self.tempo[0] + u[:, 2] * (self.tempo[1] - self.tempo[0])
        move = (u[:, 3] * 2 - 1) * self.shift * 2 / x.shape[-1]
        t = torch.linspace(-1, 1, x.shape[-1], device=dev)
        xs = t[None] * rate[:, None] + move[:, None]                                           # (B, T)
        ys = torch.linspace(-1, 1, x.shape[-2], device=dev)
        grid_ = torch.stack(torch.broadcast_tensors(xs[:, None, :], ys[None, :, None]), -1)  # (B, H, T, 2)
        x = F.grid_sample(x, grid_, mode="bilinear", padding_mode="border", align_corners=True)
        x[:, 0, LF0_ROW + 1] = torch.where(x[:, 0, LF0_ROW + 1] > 0, 1.0, -1.0)              # voicing stays binary
        return (x + self.noise * torch.randn(x.shape, generator=g).to(dev)).clamp(-1, 1)


def speed_perturbed(wavs: list[np.ndarray], semitones: float) -> list[np.ndarray]:
    """Each waveform played 2^(semitones/12) times faster (polyphase resampling, scipy): a shorter or longer
    vocal tract and a higher or lower voice at once, as in Kaldi's speed perturbation: read as if recorded at
    `faster` x 1000 Hz and resampled to 1000 Hz."""
    faster = round(1000 * 2 ** (semitones / 12))
    return [au.resample(np.asarray(w), faster, 1000) for w in wavs]


def kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mu.float().pow(2) + logvar.float().exp() - 1 - logvar.float()).sum(1).mean()


def sample(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return mu + torch.randn_like(mu) * (0.5 * logvar).exp()


def frozen(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The style encoder's mu with its weights held fixed (gradients reach only x): latent regression trains
    the generator to put z where the encoder reads it, not the encoder to invent it (BicycleGAN)."""
    params = {k: v.detach() for k, v in module.named_parameters()}
    return torch.func.functional_call(module, params, (x,))[0]


def main() -> None:
    p = base_parser(__doc__, steps=10**7, batch=32, lr=2e-4)
    p.add_argument("--rec-weight", type=float, default=10.0, help="L1 reconstruction a -> a, i -> i")
    p.add_argument("--cycle-weight", type=float, default=5.0, help="L1 cycles a -> i -> a, i -> a -> i")
    p.add_argument("--feat-weight", type=float, default=1.0, help="L1 between intermediate encodings")
    p.add_argument("--inv-weight", type=float, default=1.0, help="L1 between E_a(augmented) and E_a(recorded)")
    p.add_argument("--cls-weight", type=float, default=3.0, help="classifier loss on generated outputs")
    p.add_argument("--latent-weight", type=float, default=1.0, help="latent regression of z (cross-modal outputs)")
    p.add_argument("--kl-weight", type=float, default=0.01, help="KL of the style encoders' z to N(0, 1)")
    p.add_argument("--ms-weight", type=float, default=0.2, help="mode seeking: 1 / (|G(F,z1)-G(F,z2)| / |z1-z2|)")
    p.add_argument("--critic-stem", choices=["conv", "mlp"], default="mlp", help="D's and C's per-modality stems")
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--hold-out", default="", help="an FSDD speaker never heard (variant fsdd_mnist_loso)")
    p.add_argument("--pitch-range", type=float, nargs=2, default=(-4.0, 14.0), help="augmentation, semitones")
    p.add_argument("--formant-range", type=float, nargs=2, default=(-2.0, 7.0), help="augmentation, semitones")
    p.add_argument("--speed", type=float, nargs="*", default=[],
                   help="speed perturbation (Ko et al. 2015), in semitones: the training waveforms are also resampled "
                        "by each factor 2^(s/12) (pitch, formants and tempo move together) and analysed by WORLD; "
                        "the augmented voice starts from one of these copies or the recording, at random")
    args = p.parse_args()
    variant = "fsdd_mnist_loso" if args.hold_out else "fsdd_mnist"
    tr = Trainer("cmcgan", variant, args)

    raw, ya, _, wavs = fsdd_voice("train", exclude=args.hold_out)      # (N, 32, 64) voice features, digits
    mcep = raw[:, :N_MCEP]
    config = Config(critic_stem=args.critic_stem, width=args.width, held_out_speaker=args.hold_out,
                    mcep_mean=[round(float(v), 5) for v in mcep.mean((0, 2))],
                    mcep_std=[round(float(v), 5) for v in mcep.std((0, 2)) + 1e-4])
    xa, ya = normalise(raw, config), torch.from_numpy(ya)           # (N, 1, 32, 64) in [-1, 1]
    # With --speed, the augmented voice's starting points: the recording and its speed-perturbed copies,
    # (K, N, 1, 32, 64).
    xa_speed = (torch.stack([xa] + [normalise(voice_of_wavs(speed_perturbed(wavs, s)), config) for s in args.speed])
                if args.speed else None)
    xi, yi, start, count = mnist_by_class("train")                  # MNIST sorted by class
    augment = VoiceAugment(config, tr.device, pitch=tuple(args.pitch_range), formant=tuple(args.formant_range))
    nets = CmcganPipeline.build(config)
    tr.init_from(nets, variant)
    nets = torch.nn.ModuleDict({k: tr.prepare(v) for k, v in nets.items()})
    ema = {k: copy.deepcopy(nets[k]).eval().requires_grad_(False) for k in GEN}
    gen_params = [p for k in GEN for p in nets[k].parameters()]
    opt_g = torch.optim.Adam(gen_params, lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(nets["D"].parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_c = torch.optim.Adam(nets["C"].parameters(), lr=1e-3)
    objects = {**{k: nets[k] for k in nets}, **{f"{k}_ema": m for k, m in ema.items()},
               "opt_g": opt_g, "opt_d": opt_d, "opt_c": opt_c}
    start_step = tr.load_state(objects)
    E_a, E_i, G_a, G_i, S_a, S_i, D, C = (nets[k] for k in ("E_a", "E_i", "G_a", "G_i", "S_a", "S_i", "D", "C"))

    # Fixed inputs for the sample grids: one training utterance per digit, 7 z each.
    show = torch.tensor([int(np.flatnonzero(ya.numpy() == d)[0]) for d in range(10)])
    show_z = torch.randn(7, config.z_dim, generator=torch.Generator().manual_seed(1))

    bar = progress(start_step, args.steps, tr.main)
    for step in bar:
        if tr.stop(step):
            break
        g = tr.generator(step)
        idx = torch.randint(0, len(xa), (args.batch,), generator=g)
        a, y = xa[idx].to(tr.device), ya[idx].to(tr.device)
        if xa_speed is not None:                                                     # a speed-perturbed copy, or not
            a_aug = augment(xa_speed[torch.randint(0, len(xa_speed), (args.batch,), generator=g), idx].to(tr.device), g)
        else:
            a_aug = augment(a, g)                                                    # another voice, same digit
        i = xi[sample_of_class(ya[idx], start, count, g)].to(tr.device)            # matched: same digit
        i_wrong = xi[sample_of_class(mismatched(ya[idx], g), start, count, g)].to(tr.device)
        z = torch.randn(4, args.batch, config.z_dim, generator=g).to(tr.device)

        # C: the digit from each real modality.
        with tr.autocast():
            loss_c = F.cross_entropy(C(image=i).float(), y) + F.cross_entropy(C(sound=a_aug).float(), y)
        opt_c.zero_grad(set_to_none=True)
        loss_c.backward()
        tr.sync(C)
        opt_c.step()

        # D: real matched pairs vs real mismatched pairs and pairs with a generated member.
        with tr.autocast():
            fa, fa_aug, fi = E_a(a), E_a(a_aug), E_i(i)
            i_gen, a_gen = G_i(fa_aug, z[0]), G_a(fi, z[1])                          # a -> i, i -> a
            fakes = bce(D(i_gen.detach(), a), False) + bce(D(i, a_gen.detach()), False)
            loss_d = bce(D(i, a), True) + 0.5 * (bce(D(i_wrong, a), False) + 0.5 * fakes)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        tr.sync(D)
        opt_d.step()

        # Encoders, decoders and style encoders: the joint objective.
        with tr.autocast():
            (mu_a, lv_a), (mu_i, lv_i) = S_a(a), S_i(i)
            za_own, zi_own = sample(mu_a, lv_a), sample(mu_i, lv_i)                  # each input's own style
            a_rec, i_rec = G_a(fa, za_own), G_i(fi, zi_own)                          # a -> a, i -> i
            fa_c, fi_c = E_i(i_gen), E_a(a_gen)                                      # intermediate encodings
            a_cyc, i_cyc = G_a(fa_c, za_own), G_i(fi_c, zi_own)                      # a -> i -> a, i -> a -> i
            adv = bce(D(i_gen, a), True) + bce(D(i, a_gen), True)
            cls = F.cross_entropy(C(image=i_gen).float(), y) + F.cross_entropy(C(sound=a_gen).float(), y)
            rec = l1(a_rec, a) + l1(i_rec, i)
            cyc = l1(a_cyc, a) + l1(i_cyc, i)
            feat = l1(fa_c, fa.detach()) + l1(fi_c, fi.detach())
            inv = l1(fa_aug, fa.detach())
            latent = l1(frozen(S_i, i_gen), z[0]) + l1(frozen(S_a, a_gen), z[1])
            kls = kl(mu_a, lv_a) + kl(mu_i, lv_i)
            # Mode seeking: a second z for the same inputs must move the cross-modal outputs.
            dz = l1(z[0], z[2]).clamp(min=1e-3)
            spread = l1(G_i(fa_aug, z[2]), i_gen) / dz + l1(G_a(fi, z[3]), a_gen) / l1(z[1], z[3]).clamp(min=1e-3)
            ms = 1.0 / (spread + 1e-2)
            loss_g = (adv + args.cls_weight * cls + args.rec_weight * rec + args.cycle_weight * cyc
                      + args.feat_weight * feat + args.inv_weight * inv + args.latent_weight * latent
                      + args.kl_weight * kls + args.ms_weight * ms)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        tr.sync(*(nets[k] for k in GEN))
        opt_g.step()
        for k in GEN:
            update_ema(ema[k], nets[k], step)

        if step % 50 == 0:
            bar.set_postfix(d=f"{loss_d.item():.2f}", c=f"{loss_c.item():.2f}", adv=f"{adv.item():.2f}",
                            cls=f"{cls.item():.2f}", rec=f"{rec.item():.3f}", cyc=f"{cyc.item():.3f}",
                            lat=f"{latent.item():.2f}", ms=f"{spread.item():.2f}", refresh=False)
        if (step + 1) % args.sample_every == 0:
            with torch.no_grad():  # rows: one utterance per digit -> 7 images; and each digit image -> its sound
                fa_s = ema["E_a"](xa[show].to(tr.device))
                imgs = torch.stack([ema["G_i"](fa_s, zz.expand(10, -1).to(tr.device)) for zz in show_z], 1)
                tr.save_samples(step + 1, imgs.flatten(0, 1), nrow=7)
                i_s = xi[start].to(tr.device)  # the first training image of each digit
                sounds = ema["G_a"](ema["E_i"](i_s), show_z[:1].expand(10, -1).to(tr.device))
                if tr.main:
                    both = torch.cat([xa[show], sounds.float().cpu()]).flip(-2)
                    Image.fromarray(grid(to_uint8(both.numpy()), nrow=10)).save(tr.run_dir / f"sounds_{step + 1:06d}.png")
        if (step + 1) % args.ckpt_every == 0:
            tr.save_state(step + 1, objects)

    tr.finish(config, shipped_state(**{k: ema[k] for k in GEN}, D=D, C=C))


if __name__ == "__main__":
    main()
