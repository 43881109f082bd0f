#!/usr/bin/env bash
# Device side of the WebGPU bench (scripts/device/README.md). Run from the repo root with
# .device/carry and .gl carried:  bash scripts/device/run.sh   (writes to $OUT, else ./device-out)
# Env: GB_DEADLINE  seconds for all bench processes together (default 300)
#      GB_ARGS      extra harness options for every process, e.g. "--seconds 1 --slow 10"
#      GB_DIR       where the carried payload is unpacked (default /tmp/gb)
#      GB_NODE      node binary (default: the carried one, unpacked into GB_DIR)
#      GB_NO_GL=1   skip unpacking .gl (local runs); DAWN_FLAGS passes options to dawn.node
#      GB_SLOW      multiplies every group's time cap (local SwiftShader runs: 10)
#      GB_BUNDLE    the harness bundle in the payload's stage/ (default gpuBench.mjs; an A/B run adds a second)
set -u
ROOT=$PWD
OUT=${OUT:-$ROOT/device-out}
mkdir -p "$OUT"
GB_DIR=${GB_DIR:-/tmp/gb}
DEADLINE=$(( $(date +%s) + ${GB_DEADLINE:-300} ))
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
say() { echo "== $*"; }

say "machine: $(uname -srm); $(nproc) cores; $( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || echo '?')"
command -v nvidia-smi >/dev/null && nvidia-smi -L
say "libvulkan before: $(ldconfig -p | grep -c libvulkan) entries"
if [ -z "${GB_NO_GL:-}" ] && [ -d .gl ]; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
ldconfig -p | grep -E 'libvulkan|libGLX_nvidia|libEGL_nvidia' | sed 's/^/   /'
# NVIDIA's Vulkan ICD: use the driver mount's manifest when no system-wide one is registered.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
say "Vulkan ICDs: VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; $(ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | tr '\n' ' ')"

# The carried payload: node (stripped, xz) and the bundle (tar.xz). Python's lzma, in case xz is missing.
if [ -z "${GB_NODE:-}" ]; then
  mkdir -p "$GB_DIR"
  python3 - "$ROOT/.device/carry" "$GB_DIR" <<'PY' || exit 3
import lzma, shutil, sys, tarfile, os
src, dst = sys.argv[1], sys.argv[2]
with lzma.open(os.path.join(src, 'node.xz')) as i, open(os.path.join(dst, 'node'), 'wb') as o:
    shutil.copyfileobj(i, o, 1 << 20)
os.chmod(os.path.join(dst, 'node'), 0o755)
with tarfile.open(os.path.join(src, 'payload.tar.xz')) as t:
    t.extractall(dst)
PY
  GB_NODE=$GB_DIR/node
fi
STAGE=$GB_DIR/stage
"$GB_NODE" --version || exit 4
dawn=$STAGE/dist/linux-x64/dawn.node
if ! grep -aq GLIBCXX_3.4.30 "$(ldconfig -p | awk '/libstdc\+\+\.so\.6 /{print $NF; exit}')" 2>/dev/null; then
  say "system libstdc++ lacks GLIBCXX_3.4.30 (dawn.node needs it): using the carried one"
  export LD_LIBRARY_PATH=$STAGE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
ldd "$dawn" | grep -E 'not found|libstdc' | sed 's/^/   /'

# One process per group, each with its own time cap inside the overall deadline, all adding to
# one gpu-bench.json / gpu-bench.md. A group that hangs or crashes (exit 137 = our SIGKILL exit)
# costs only itself.
group() { # cap-seconds harness-args...
  local cap=$(( $1 * ${GB_SLOW:-1} )); shift
  local left=$(( DEADLINE - $(date +%s) ))
  if [ "$left" -lt 20 ]; then say "skip $* ($left s left)"; return; fi
  [ "$cap" -gt "$left" ] && cap=$left
  say "group: $* (cap $cap s)"
  timeout -k 5 "$cap" "$GB_NODE" "$STAGE/${GB_BUNDLE:-gpuBench.mjs}" --root "$ROOT" --out "$OUT" --append --quiet --budget $(( cap - 3 )) --slow "${GB_SLOW:-1}" ${GB_ARGS:-} "$@"
  local rc=$?
  case $rc in 0|137) ;; 124) say "group timed out: $*" ;; *) say "group exited $rc: $*" ;; esac
}
rm -f "$OUT/gpu-bench.json" "$OUT/gpu-bench.md"
if [ "${GB_PLAN:-}" = variants ]; then
  # Follow-up: where a WebGPU decode step goes (flags, cache layout) on the musicgen-small shape.
  group 45 --sections env --backends webgpu
  group 150 --sections big --backends webgpu --big-variants
  group 60 --sections lm --backends webgpu --tf-flags WEBGPU_CPU_FORWARD=false
  say "done in $(( ${GB_DEADLINE:-300} - DEADLINE + $(date +%s) )) s"
  cat "$OUT/gpu-bench.md" 2>/dev/null || say "no results written"
  exit 0
fi
if [ "${GB_PLAN:-}" = fused-long ]; then
  # Follow-up: the fused step late in a take and a whole musicgen-small-shaped take (GB_LONG).
  export GB_LONG=1
  group 200 --sections big --backends webgpu
  say "done in $(( ${GB_DEADLINE:-300} - DEADLINE + $(date +%s) )) s"
  cat "$OUT/gpu-bench.md" 2>/dev/null || say "no results written"
  exit 0
fi
if [ "${GB_PLAN:-}" = breakdown ]; then
  # Where a fused step's time goes, by kind of dispatch (bigGpu.ts fusedBreakdown), and the usual big rows.
  export GB_BREAKDOWN=1
  group 150 --sections big --backends webgpu
  say "done in $(( ${GB_DEADLINE:-300} - DEADLINE + $(date +%s) )) s"
  cat "$OUT/gpu-bench.md" 2>/dev/null || say "no results written"
  exit 0
fi
if [ "${GB_PLAN:-}" = fused ]; then
  # The fused decoding step (src/lm/webgpu): parity, the app's generation with and without it, the
  # musicgen-small shape (tfjs ops, fused, a LoRA training step).
  group 50 --sections env,parity --backends webgpu,wasm
  group 100 --sections lm --backends webgpu
  group 170 --sections big --backends webgpu
  say "done in $(( ${GB_DEADLINE:-300} - DEADLINE + $(date +%s) )) s"
  cat "$OUT/gpu-bench.md" 2>/dev/null || say "no results written"
  exit 0
fi
# In order of importance: later groups are skipped when the deadline is near.
group 60 --sections env,parity --backends webgpu,wasm
group 90 --sections lm --backends webgpu
group 90 --sections lm --backends wasm
group 90 --sections codec,text --backends webgpu
group 45 --sections train --backends webgpu
group 75 --sections train --backends wasm --train-steps 3
group 60 --sections big --backends webgpu
group 45 --sections big --backends wasm
say "done in $(( ${GB_DEADLINE:-300} - DEADLINE + $(date +%s) )) s"
cat "$OUT/gpu-bench.md" 2>/dev/null || say "no results written"
