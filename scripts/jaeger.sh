#!/usr/bin/env bash
# The OpenTelemetry receiver the trace tests send to: Jaeger v2 (an OpenTelemetry Collector
# distribution), built with the Go toolchain from the Go module proxy at the version pinned in
# tests/otlp-receiver/go.mod and go.sum, into a cache outside the checkout:
#   ${LEGION_CACHE_DIR:-~/.cache/legion-bench}/jaeger/<key>/jaeger   (key: hash of go.mod and go.sum)
# with the symlink jaeger/current -> that binary. A fresh clone with the cache present does nothing.
# Called by scripts/bootstrap.sh in test mode; also runs on its own.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CACHE="${LEGION_CACHE_DIR:-$HOME/.cache/legion-bench}"
MODULE=tests/otlp-receiver
key="$(cat "$MODULE/go.mod" "$MODULE/go.sum" | sha256sum | cut -c1-16)"
target="$CACHE/jaeger/$key/jaeger"
if [ ! -x "$target" ]; then
  GO="$(command -v go || true)"
  [ -n "$GO" ] || GO=/usr/local/go/bin/go
  if [ ! -x "$GO" ]; then
    echo "scripts/jaeger.sh: no Go toolchain (go on PATH or /usr/local/go/bin/go) to build the OTLP receiver" >&2
    exit 1
  fi
  echo "==> building Jaeger (the OTLP receiver of the trace tests) into $target"
  mkdir -p "$(dirname "$target")"
  # Modules and build cache outside the checkout too; -mod=readonly: go.sum must already hold every hash.
  (cd "$MODULE" && GOPATH="$CACHE/go" GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOFLAGS=-mod=readonly \
     GOTOOLCHAIN=local "$GO" build -trimpath -o "$target.partial" github.com/jaegertracing/jaeger/cmd/jaeger)
  mv "$target.partial" "$target"
fi
ln -sfn "$key/jaeger" "$CACHE/jaeger/current"
