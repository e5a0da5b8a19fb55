#!/usr/bin/env bash
# bench/cli: see bench_cli.c. Runs in its own TMPDIR, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TMPDIR
TMPDIR=$(mktemp -d /tmp/cube-bench.XXXXXX)
trap 'rm -rf "$TMPDIR"' EXIT
build/rel/bench/cli/bench_cli
