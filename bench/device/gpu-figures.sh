#!/usr/bin/env bash
# The GPU figures the issues ask for, in one call of the device tool (it has CUDA, cmake and gcc,
# no Node and no network). Prepare here with `bash bench/device/pack.sh`, then run there with
# carry [".cache/device-kit"]:
#   bash bench/device/gpu-figures.sh
# It unpacks Node and the packages, builds node-llama-cpp's CUDA backend from the llama.cpp source
# in the kit (for the card's architecture only: all of them would not build in time), and runs the
# second-question time-to-first-token benchmark on the generated 8B-shaped layer (issue 15) with
# llama.cpp on the GPU. Results go to $OUT (or /tmp/device-out). If building and measuring do not
# fit one call's 10 minutes, run it with BUILD_ONLY=1 first, then again on the still-warm machine.
# GPU=false builds for the CPU: how the kit is checked on a machine without one (with WIDE= and
# RUNS=1, on the small fixture).
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.cache/device-kit
out=${OUT:-/tmp/device-out}
mkdir -p "$out" /tmp/node24
xz -dc "$kit/node.tar.xz" | tar -xf - -C /tmp/node24
export PATH=/tmp/node24/bin:$PATH
# node-llama-cpp compiles through `npm run cmake-js-llama` (npm is not in the kit: a shim runs
# cmake-js the way that script does), and cmake-js finds Node's headers where it would have
# downloaded them.
cat > /tmp/node24/bin/npm <<SHIM
#!/bin/sh
[ "\$1 \$2 \$3 \$4" = "run -s cmake-js-llama --" ] || { echo "npm shim: only 'run -s cmake-js-llama' is known here" >&2; exit 127; }
shift 4
cd "$PWD/node_modules/node-llama-cpp/llama" && exec node "$PWD/node_modules/cmake-js/bin/cmake-js" "\$@"
SHIM
chmod +x /tmp/node24/bin/npm
headers=~/.cmake-js/node-x64/v$(node -p process.versions.node)
mkdir -p "$headers" && cp -r /tmp/node24/include "$headers/"
# Unpacked over what a warm machine kept, so a build from an earlier call is kept too.
xz -dc "$kit/modules.tar.xz" | tar -xf -
gpu=${GPU:-cuda}
builds=node_modules/node-llama-cpp/llama/localBuilds
# The build's CMake options name its folder, and getLlama looks for the folder they name: set them
# for the benchmark too, not only for the build.
if [ "$gpu" = cuda ]; then
  export NODE_LLAMA_CPP_CMAKE_OPTION_CMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHITECTURES:-90}
  pattern="$builds/linux-x64-cuda*/buildDone.status"
else
  pattern="$builds/linux-x64/buildDone.status"
fi
if compgen -G "$pattern" > /dev/null; then
  echo "llama.cpp ($gpu) already built on this machine"
else
  started=$(date +%s)
  node node_modules/node-llama-cpp/dist/cli/cli.js source build --gpu "$gpu" --noUsageExample > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
  echo "built llama.cpp ($gpu) in $(( $(date +%s) - started )) s"
  # A call that only builds (BUILD_ONLY=1) leaves the benchmark to the next call on the warm machine.
  if [ -n "${BUILD_ONLY:-}" ]; then exit 0; fi
fi
node bench/caches.ts "${RUNS:-5}" ${WIDE---wide} --gpu --ttft-only | tee "$out/caches-wide-gpu.json"
