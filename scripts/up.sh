#!/usr/bin/env bash
# `make up`: start a local cube control plane.
#
# Until the lab (`cube up`, several nodes in network namespaces) exists, this
# starts the control plane only: etcd on its own loopback ports and data dir,
# then each control-plane binary that has been built: cube-apiserver, then
# cube-scheduler and cube-controller-manager (with leader election, as a
# real control plane runs them).  No node runs pods yet (issues 8 and 9).
# State lives in $CUBE_LAB_DIR (default .lab/ in the checkout): data, logs,
# pid files, kubeconfig.  `make down` stops what this started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
LAB=${CUBE_LAB_DIR:-$PWD/.lab}
ETCD_PORT=${CUBE_ETCD_PORT:-23790}
ETCD_PEER_PORT=${CUBE_ETCD_PEER_PORT:-23800}
API_PORT=${CUBE_API_PORT:-6443}
mkdir -p "$LAB/logs" "$LAB/run"

t0=$(date +%s.%N)
step() { awk -v a="$t0" -v b="$(date +%s.%N)" -v m="$1" 'BEGIN { printf "%-40s %6.2fs\n", m, b - a }'; }

alive() { [ -f "$LAB/run/$1.pid" ] && kill -0 "$(cat "$LAB/run/$1.pid")" 2>/dev/null; }

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

wait_http() { # url seconds
	for _ in $(seq 1 $(($2 * 10))); do
		curl -sf -o /dev/null --noproxy '*' "$1" && return 0
		sleep 0.1
	done
	return 1
}

if alive etcd; then
	echo "etcd already running (pid $(cat "$LAB/run/etcd.pid"))"
else
	port_free "$ETCD_PORT" || { echo "up: port $ETCD_PORT is taken (set CUBE_ETCD_PORT)" >&2; exit 1; }
	setsid etcd --name cube --data-dir "$LAB/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "cube=http://127.0.0.1:$ETCD_PEER_PORT" \
		--logger zap --log-level warn >"$LAB/logs/etcd.log" 2>&1 </dev/null &
	echo $! >"$LAB/run/etcd.pid"
	wait_http "http://127.0.0.1:$ETCD_PORT/health" 20 ||
		{ echo "up: etcd did not start; see $LAB/logs/etcd.log" >&2; exit 1; }
	step "etcd ready on 127.0.0.1:$ETCD_PORT"
fi

if [ -x bin/cube-apiserver ]; then
	if alive apiserver; then
		echo "cube-apiserver already running (pid $(cat "$LAB/run/apiserver.pid"))"
	else
		port_free "$API_PORT" || { echo "up: port $API_PORT is taken (set CUBE_API_PORT)" >&2; exit 1; }
		setsid bin/cube-apiserver --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
			--bind-address 127.0.0.1 --port "$API_PORT" >"$LAB/logs/apiserver.log" 2>&1 </dev/null &
		echo $! >"$LAB/run/apiserver.pid"
		wait_http "http://127.0.0.1:$API_PORT/healthz" 20 ||
			{ echo "up: cube-apiserver did not start; see $LAB/logs/apiserver.log" >&2; exit 1; }
		step "cube-apiserver ready on 127.0.0.1:$API_PORT"
	fi
	cat >"$LAB/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: cube
  cluster:
    server: http://127.0.0.1:$API_PORT
contexts:
- name: cube
  context:
    cluster: cube
    user: cube
current-context: cube
users:
- name: cube
  user: {}
KC
	# The rest of the control plane, each once built: they reach the API
	# server through the kubeconfig and serve /healthz on their own port.
	start_component() { # name binary port args...
		local name=$1 binary=$2 port=$3
		shift 3
		[ -x "bin/$binary" ] || return 0
		if alive "$name"; then
			echo "$binary already running (pid $(cat "$LAB/run/$name.pid"))"
			return 0
		fi
		port_free "$port" || { echo "up: port $port is taken" >&2; exit 1; }
		setsid "bin/$binary" --kubeconfig "$LAB/kubeconfig" --port "$port" "$@" \
			>"$LAB/logs/$name.log" 2>&1 </dev/null &
		echo $! >"$LAB/run/$name.pid"
		wait_http "http://127.0.0.1:$port/healthz" 20 ||
			{ echo "up: $binary did not start; see $LAB/logs/$name.log" >&2; exit 1; }
		step "$binary ready (health on :$port)"
	}
	start_component scheduler cube-scheduler "${CUBE_SCHEDULER_PORT:-10259}"
	start_component controller-manager cube-controller-manager "${CUBE_CM_PORT:-10257}"
	echo
	echo "kubeconfig: $LAB/kubeconfig"
	echo "  export KUBECONFIG=$LAB/kubeconfig"
	echo "  kubectl get namespaces"
else
	echo
	echo "cube-apiserver is not built yet: only etcd is running (http://127.0.0.1:$ETCD_PORT)."
fi
echo "logs: $LAB/logs/   stop: make down"
