#!/usr/bin/env bash
# Packs what a GPU device run of bench/device/gpu-figures.sh needs into .cache/device-kit, to be
# carried there (the device has CUDA, cmake and gcc but no Node and no network, and takes at most
# 64 MiB): the Node 24 binary, the packages the app core's chat path loads (LanceDB, onnxruntime
# and transformers.js load lazily and stay behind; node-llama-cpp's prebuilt binaries too, since
# its CUDA backend is built there), and llama.cpp's source from node-llama-cpp's git bundle,
# without its docs, models and tests. Run from the repository root after `.ci/run` (or npm ci).
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.cache/device-kit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$kit" && mkdir -p "$kit"

node_bin=$(command -v node)
# The binary, and its headers for compiling node-llama-cpp's addon (cmake-js would download them).
tar -C "$(dirname "$(dirname "$node_bin")")" -cf - bin/node include | xz -6 -T2 > "$kit/node.tar.xz"

# The packages and everything they depend on (dependencies and the optional ones installed here),
# resolved as Node resolves them: a package's own node_modules first, then its owners' up to the root.
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const resolve = (from, name) => {
    for (let dir = from; ; ) {
      const candidate = path.join(dir, "node_modules", name);
      if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
      if (dir === ".") return null;
      dir = path.dirname(dir);
      if (path.basename(dir) === "node_modules") dir = path.dirname(dir);
      if (path.basename(dir).startsWith("@")) dir = path.dirname(path.dirname(dir));
    }
  };
  const seen = new Set();
  const queue = process.argv.slice(1).map((name) => resolve(".", name));
  while (queue.length) {
    const dir = queue.shift();
    if (!dir || seen.has(dir) || dir.includes("@node-llama-cpp")) continue;
    seen.add(dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) queue.push(resolve(dir, name));
  }
  // A nested package travels inside its owner: list the top-level ones.
  const topLevel = [...seen].filter((dir) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(dir));
  console.log(topLevel.sort().join("\n"));
' node-llama-cpp kysely zod apache-arrow better-sqlite3 chardet iconv-lite node-html-parser @huggingface/jinja > "$kit/packages.txt"

# llama.cpp's source at the release node-llama-cpp was built for, as node-llama-cpp's
# `source download` would clone it (an empty .git marks it cloned; no git is needed there).
git clone -q node_modules/node-llama-cpp/llama/gitRelease.bundle "$work/llama.cpp" 2>/dev/null
mkdir -p "$work/src/node_modules/node-llama-cpp/llama/llama.cpp/.git"
(cd "$work/llama.cpp" && tar -cf - CMakeLists.txt cmake common ggml include src vendor tools/mtmd licenses LICENSE 2>/dev/null) | tar -xf - -C "$work/src/node_modules/node-llama-cpp/llama/llama.cpp"

tar -cf - \
  --exclude='node_modules/node-llama-cpp/llama/gitRelease.bundle' \
  --exclude='node_modules/node-llama-cpp/llama/localBuilds' \
  --exclude='node_modules/better-sqlite3/deps' \
  --exclude='node_modules/better-sqlite3/src' \
  --exclude='node_modules/better-sqlite3/prebuilds/[!l]*' \
  --exclude='node_modules/better-sqlite3/prebuilds/linux-arm*' \
  --exclude='node_modules/better-sqlite3/prebuilds/linuxmusl*' \
  --exclude='*.map' \
  -T "$kit/packages.txt" -C "$work/src" node_modules/node-llama-cpp/llama/llama.cpp | xz -6 -T2 > "$kit/modules.tar.xz"

du -ch "$kit"/* | sed 's/^/  /'
