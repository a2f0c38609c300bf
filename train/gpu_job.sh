#!/bin/bash
# One command on a lent GPU box: up to five trainings side by side on one GPU, time-boxed, continued stage by
# stage. This is the job that trained the shipped gan (mnist) and the GPU stages of cyclegan_vc and stargan_vc.
#
#   bash train/gpu_job.sh prepare            # here, on the CPU: .gpu/ = the data the job needs (about 24 MB)
#   bash train/gpu_job.sh train 8 1          # on the box: stage 1, 8 minutes per training
#   bash train/gpu_job.sh train 8 2          # stage 2 continues from stage 1's runs/gpu/out1 (and so on)
#   VCX="--lambda-cyc 3" bash train/gpu_job.sh train 8 2    # extra flags for both VC trainings (2026-11-24:
#       stage 1 as here, stages 2-3 with --lambda-cyc 3, then 5. VCX="--recon-loss l2" frees G from the
#       identity too, but 100 CPU minutes of it also moved G away from the target: models/cyclegan_vc.py)
#   JOBS="gan cyclegan_vc" bash train/gpu_job.sh train 8 1  # a subset (default: all five)
#
# The box has torch but not gradio, librosa, pyworld or soundfile, and no network: the job reads MNIST/USPS
# from .gpu/data and VCC2016 as precomputed WORLD features (python -m xmgan.models._vc export). Everything a
# stage writes goes to runs/gpu/outN/ (git-ignored, kept on a warm box between commands); with $OUT set (the
# device tool's output folder) it is also packed there as 15 MB parts (the VC checkpoint folders are left out:
# the float16 exports in outN/<id>/ are smaller, and `--init-from runs/gpu/outN/<id> --steps 0` writes
# checkpoints/<id>/ here with every stage's command, device and minutes). The image models' outN/ck/<id>/ are
# checkpoint folders: copy their variant into checkpoints/ (xmgan.hub.write_variant), then evaluate here.
# The device tool carries at most 64 MiB of working tree: the job needs only checkpoints/cyclegan,
# latent_gan and teacher of the shipped weights, so set the others aside while it runs.
set -u
CMD=${1:-train}
if [ "$CMD" = prepare ]; then
  mkdir -p .gpu/data .gpu/vc
  cp "${XMGAN_DATA:?point XMGAN_DATA at the data folder}"/mnist.npz "$XMGAN_DATA"/usps.npz .gpu/data/
  python -m xmgan.models._vc export .gpu/vc/vcc2016_train_int8.npz
  du -sh .gpu
  exit 0
fi
MIN=${2:-8}; STAGE=${3:-1}; SMOKE=${4:-}; VCX=${VCX:-}
JOBS=${JOBS:-"cyclegan_vc stargan_vc gan cyclegan latent_gan"}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} XMGAN_DATA=$PWD/.gpu/data PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \
       XMGAN_VC_FEATURES=$PWD/.gpu/vc/vcc2016_train_int8.npz XMGAN_CACHE=${XMGAN_CACHE:-$PWD/runs/gpu/cache}
PY=${PY:-$(command -v python || command -v python3)}
O=runs/gpu/out$STAGE; P=runs/gpu/out$((STAGE-1))
mkdir -p $O/logs
nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null
$PY -c "import sys, torch; print(sys.version.split()[0], torch.__version__, 'cuda', torch.cuda.is_available())"
if [ "$STAGE" = 1 ]; then   # stage 1: VC and gan from scratch (new architectures), cyclegan/latent_gan from shipped
  VCI_C=""; VCI_S=""; IDS=10000; GANI=""; CYI="--init-from checkpoints/cyclegan"; LGI="--init-from checkpoints/latent_gan"
else                        # later stages: from the stage before; the identity-mapping loss is off after stage 1
  VCI_C="--init-from $P/cyclegan_vc"; VCI_S="--init-from $P/stargan_vc"; IDS=0
  GANI="--init-from $P/ck/gan"; CYI="--init-from $P/ck/cyclegan"; LGI="--init-from $P/ck/latent_gan"
fi
COMMON="--checkpoints $O/ck --runs $O/runs --sample-every 5000 --max-minutes $MIN"
run() {  # run NAME SCRIPT ARGS...: in the background, if NAME is in $JOBS
  local name=$1; shift
  [[ " $JOBS " == *" $name "* ]] || return 0
  $PY "$@" $SMOKE > $O/logs/$name.log 2>&1 &
}
run cyclegan_vc train/train_cyclegan_vc.py --arch vc2 --batch 16 --g-width 32 --res-width 128 \
   --d-width 16 --id-steps $IDS $VCX --export $O/cyclegan_vc --ckpt-every 2000 --log-every 500 $COMMON $VCI_C
run stargan_vc train/train_stargan_vc.py --batch 16 --g-width 32 --res-width 256 --d-width 16 \
   --id-steps $IDS $VCX --export $O/stargan_vc --ckpt-every 2000 --log-every 500 $COMMON $VCI_S
run gan train/train_gan.py --width 64 --spectral-norm --loss hinge --beta1 0 --batch 128 --steps 200000 \
   --ckpt-every 5000 $COMMON $GANI
run cyclegan train/train_cyclegan.py --pair usps_mnist --steps 1000000 --ckpt-every 5000 $COMMON $CYI
run latent_gan train/train_latent_gan.py --task usps2mnist --vae-steps 0 --steps 1000000 \
   --sem-weight 2 --ckpt-every 5000 $COMMON $LGI
while [ -n "$(jobs -r)" ]; do
  sleep 30
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null
done
wait
for f in $O/logs/*.log; do echo "== $f"; tr '\r' '\n' < $f | grep -v "it/s" | tail -n 3; done
if [ -n "${OUT:-}" ]; then
  tar cf - --exclude=state.pt --exclude=ck/cyclegan_vc --exclude=ck/stargan_vc -C runs/gpu out$STAGE \
    | split -b 15m - "$OUT/out$STAGE.tar.part_"
  ls -la "$OUT"
fi
