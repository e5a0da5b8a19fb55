#!/usr/bin/env bash
# bench/lab: how long `cube up` takes until every node is Ready, for 1, 3 and
# 8 nodes (BENCH_NODES overrides, e.g. "3"), and each component's memory at
# idle (RSS, from `cube status`).  As root.  Each lab gets its own name,
# subnet, ports and directory and is removed at the end (also on failure).
# Runtime: hollow until the runc runtime exists (BENCH_RUNTIME overrides).
# Prints a table; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "bench/lab: needs root"; exit 0; }
dir=$(mktemp -d /tmp/cube-bench-lab.XXXXXX)
name=b$$
name=${name:0:8}
cleanup() { bin/cube down --name "$name" --dir "$dir" --purge >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
runtime=${BENCH_RUNTIME:-hollow}
subnet=172.31.$((210 + $$ % 40))
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
printf 'bench/lab: cube up until all nodes are Ready (runtime %s, release build)\n' "$runtime"
printf '%-7s %10s   %s\n' nodes "up" "memory at idle (RSS MiB)"
for n in ${BENCH_NODES:-1 3 8}; do
	etcd=$(free_port); api=$(free_port)
	out=$(bin/cube up --name "$name" --dir "$dir" --nodes "$n" --runtime "$runtime" \
		--subnet "$subnet" --api-port "$api" --etcd-port "$etcd" --bin-dir bin)
	t=$(echo "$out" | awk '/nodes Ready/ {print $NF}')
	sleep 2
	mem=$(bin/cube status --name "$name" --dir "$dir" | awk '$2 == "running" {
		n = $1; sub(/-node[0-9]+$/, "", n); if (!(n in c)) order[k++] = n; s[n] += $5; c[n]++ }
		END { for (i = 0; i < k; i++) { n = order[i]
			printf "%s %.1f%s  ", n, s[n] / c[n], (c[n] > 1 ? " (avg)" : "") } }' || true)
	printf '%-7s %10s   %s\n' "$n" "$t" "$mem"
	bin/cube down --name "$name" --dir "$dir" --purge >/dev/null
done
