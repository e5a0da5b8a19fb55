#!/usr/bin/env bash
# bench/pod-startup: see bench_pod_startup.c (as root: real runc containers).
# Runs in its own TMPDIR, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TMPDIR
TMPDIR=$(mktemp -d /tmp/cube-bench.XXXXXX)
trap 'rm -rf "$TMPDIR"' EXIT
build/rel/bench/pod-startup/bench_pod_startup
