#!/usr/bin/env bash
# `make down`: remove the lab `make up` started (bin/cube down: processes by
# PID, pods' containers, namespaces, links); PURGE=1 also removes its state.
set -uo pipefail
cd "$(dirname "$0")/.."
name=${CUBE_LAB:-lab}
dir=${CUBE_LAB_DIR:-$PWD/.lab}
if [ ! -f "$dir/$name/lab.json" ]; then
	echo "make down: no lab \"$name\" in $dir"
	exit 0
fi
if [ "${PURGE:-0}" = 1 ]; then
	bin/cube down --name "$name" --dir "$dir" --purge
else
	bin/cube down --name "$name" --dir "$dir"
fi
