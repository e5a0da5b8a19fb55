#!/usr/bin/env bash
# bench/apiserver: see bench_apiserver.c. Runs in its own TMPDIR, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TMPDIR
TMPDIR=$(mktemp -d /tmp/cube-bench.XXXXXX)
trap 'rm -rf "$TMPDIR"' EXIT
ulimit -n 65536 2>/dev/null || true
build/rel/bench/apiserver/bench_apiserver
