#!/usr/bin/env bash
# `make down`: stop what `make up` started, by the PIDs it recorded, newest
# first; `make down PURGE=1` also removes the state (etcd data, logs).
set -uo pipefail
cd "$(dirname "$0")/.."
LAB=${CUBE_LAB_DIR:-$PWD/.lab}
for c in proxy kubelet controller-manager scheduler apiserver etcd; do
	f=$LAB/run/$c.pid
	[ -f "$f" ] || continue
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
		echo "stopped $c (pid $pid)"
	fi
	rm -f "$f"
done
if [ "${PURGE:-0}" = 1 ]; then rm -rf "$LAB"; echo "removed $LAB"; fi
