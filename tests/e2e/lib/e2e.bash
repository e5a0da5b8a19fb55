# tests/e2e/lib/e2e.bash - what every end-to-end story shares (sourced, not
# run: tests/run.sh runs tests/e2e/*.sh only).
#
# A story is a bash script that reads top to bottom as the steps a person
# would type:
#
#   source "$(dirname "$0")/lib/e2e.bash"
#   lab_up                                  # its own 3-node lab (bin/cube up)
#   step "apply the demo"                   # prints "[story  12s] step 3: apply the demo"
#   kc apply -f examples/demo.yaml          # the real kubectl against the lab
#   wait_for 60 "3 pods Running" pods_running 3
#   pass                                    # "PASS story (84s)"
#
# Any command that fails (set -e), or `fail MESSAGE`, ends the story with
# the step that failed, the cluster's pods and events, and the last lines of
# every component's log; the EXIT trap always takes the lab down (`cube
# down --purge`) and stops the background processes the story started.
#
# Each lab has its own name (e<pid>), subnet (a free 172.16-31.x.0/24),
# etcd port pair (free, below the ephemeral range) and directory (under
# $TMPDIR, which tests/run.sh makes per run), so stories never meet each
# other or a lab of `make up`.  Cluster traffic goes only from inside the
# lab's namespaces (`in_node`, `in_pod`), never from the root namespace.
set -Eeuo pipefail

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$E2E_REPO"
E2E_STORY=$(basename "$0" .sh)
CUBE=$E2E_REPO/bin/cube
CUBECTL=$E2E_REPO/bin/cubectl
E2E_T0=$SECONDS
E2E_NSTEP=0
E2E_STEP="(setting up)"
E2E_BG=() # PIDs of background processes this story started
LAB=
LAB_DIR=
SUBNET=

step() {
	E2E_NSTEP=$((E2E_NSTEP + 1))
	E2E_STEP="$*"
	printf '[%s %4ds] step %d: %s\n' "$E2E_STORY" $((SECONDS - E2E_T0)) "$E2E_NSTEP" "$*"
}

# info MESSAGE: a detail under the current step.
info() { printf '             %s\n' "$*"; }

# The cluster's state and the last lines of every component's log.
dump_lab() {
	[ -n "$LAB_DIR" ] && [ -d "$LAB_DIR/$LAB/logs" ] || return 0
	echo "---- kubectl get pods,rs,deploy -A -o wide"
	kc get pods,rs,deploy -A -o wide 2>&1 | tail -50 || true
	echo "---- events (last 30)"
	kc get events -A --sort-by=.lastTimestamp 2>&1 | tail -30 || true
	echo "---- cube status"
	"$CUBE" status --name "$LAB" --dir "$LAB_DIR" 2>&1 || true
	local f
	for f in "$LAB_DIR/$LAB"/logs/*.log; do
		[ -f "$f" ] || continue
		echo "---- ${f##*/} (last 25 lines)"
		tail -n 25 "$f"
	done
}

# fail MESSAGE: ends the story here, saying which step failed and why.
fail() {
	trap - ERR
	if [ "$BASH_SUBSHELL" -gt 0 ]; then # in $(...): say why; the story fails in its parent
		echo "FAIL: $E2E_STORY, step $E2E_NSTEP ($E2E_STEP): $*" >&2
		exit 1
	fi
	{
		echo "FAIL: $E2E_STORY, step $E2E_NSTEP ($E2E_STEP): $*"
		dump_lab
		echo "FAIL: $E2E_STORY, step $E2E_NSTEP ($E2E_STEP): $*"
	} >&2
	exit 1
}
# The story's line that is running (the innermost frame in the story itself).
e2e_line() {
	local i
	for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
		[ "${BASH_SOURCE[$i]}" = "$0" ] && { echo "${0##*/}:${BASH_LINENO[$((i - 1))]}"; return; }
	done
	echo "${0##*/}"
}
trap 'fail "$(e2e_line): command failed (exit $?): $BASH_COMMAND"' ERR

pass() {
	trap - ERR
	printf '[%s %4ds] PASS\n' "$E2E_STORY" $((SECONDS - E2E_T0))
}

cleanup() {
	local rc=$? pid
	trap - ERR
	for pid in "${E2E_BG[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$LAB" ] && [ -f "$LAB_DIR/$LAB/lab.json" ]; then
		"$CUBE" down --name "$LAB" --dir "$LAB_DIR" --purge >/dev/null 2>&1 ||
			echo "$E2E_STORY: cube down --name $LAB failed" >&2
	fi
	[ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every second until it
# succeeds; after SECONDS, fails the step with "timed out waiting for WHAT".
wait_for() {
	local limit=$1 what=$2 end
	shift 2
	end=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || fail "timed out after ${limit}s waiting for $what"
		sleep 1
	done
}

# expect WHAT COMMAND...: COMMAND must succeed, else the step fails with WHAT.
expect() {
	local what=$1
	shift
	"$@" || fail "expected $what"
}

# ---- the lab ----------------------------------------------------------------------

# A subnet 172.16-31.x that no interface holds, from the pid.
pick_subnet() {
	local try s
	for try in $(seq 0 60); do
		s=172.$((16 + ($$ / 250 + try) % 16)).$((1 + ($$ + 7 * try) % 250))
		case $s in 172.30.*) continue ;; esac # the default labs of `make up`
		ip -o -4 addr show | grep -q " inet $s\." || { echo "$s"; return 0; }
	done
	return 1
}

# A free even port p (p and p+1 free on 127.0.0.1), below the ephemeral range.
pick_etcd_port() {
	local try p
	for try in $(seq 0 200); do
		p=$((20000 + (RANDOM % 6000) * 2))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null &&
			! (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# lab_up [cube up flags...]: a 3-node lab of the release binaries in bin/.
lab_up() {
	[ "$(id -u)" = 0 ] || { echo "$E2E_STORY: needs root (skipped)"; exit 0; }
	[ -x "$CUBE" ] || fail "$CUBE missing (make all)"
	LAB=e$(($$ % 10000000))
	LAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cube-e2e.XXXXXX")
	SUBNET=$(pick_subnet) || fail "no free 172.16-31.x subnet"
	local etcd
	etcd=$(pick_etcd_port) || fail "no free etcd port pair"
	export KUBECONFIG=$LAB_DIR/$LAB/kubeconfig
	step "cube up: lab $LAB, 3 nodes on $SUBNET.0/24 $*"
	"$CUBE" up --name "$LAB" --dir "$LAB_DIR" --nodes 3 --subnet "$SUBNET" \
		--etcd-port "$etcd" --bin-dir "$E2E_REPO/bin" "$@" | sed 's/^/             /'
}

# The two clients of the lab's API server.
kc() { kubectl --kubeconfig "$KUBECONFIG" --cache-dir "$LAB_DIR/kubectl-cache" "$@"; }
cc() { "$CUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

# in_node NODE COMMAND...: COMMAND inside the node's network namespace.
in_node() {
	local node=$1
	shift
	"$CUBE" exec --name "$LAB" --dir "$LAB_DIR" "$node" -- "$@"
}

# node_ip N: node N's address on the lab bridge.
node_ip() { echo "$SUBNET.$(($1 + 1))"; }

# pod_netns POD: the network namespace of a pod (cpod<hash>-<uid>).
pod_netns() {
	local uid
	uid=$(kc get pod "$1" -o jsonpath='{.metadata.uid}')
	[ -n "$uid" ] || return 1
	ip netns list | awk '{print $1}' | grep -- "-$uid\$" | head -1
}

# in_pod POD COMMAND...: COMMAND (of this machine) inside a pod's network
# namespace, as traffic from that pod.
in_pod() {
	local ns pod=$1
	shift
	ns=$(pod_netns "$pod") || true
	[ -n "$ns" ] || fail "no network namespace for pod $pod"
	ip netns exec "$ns" "$@"
}

# bg_in_node NODE COMMAND...: COMMAND inside the node's network namespace,
# in the background; the EXIT trap stops it (its PID, in $BG_PID, is
# COMMAND's own: cube exec execs it).
bg_in_node() {
	local node=$1
	shift
	"$CUBE" exec --name "$LAB" --dir "$LAB_DIR" "$node" -- "$@" &
	BG_PID=$!
	E2E_BG+=("$BG_PID")
}

# ---- what the stories look at --------------------------------------------------------

# The pods of a label selector that are not being deleted, one line each:
# "NAME PHASE NODE READY" (READY: the Ready condition's status).
pods_of() {
	kc get pods -l "$1" -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\n"}{end}' |
		awk 'NF == 4'
}

# pods_ready SELECTOR N: exactly N pods of SELECTOR (deleted ones aside), all
# Running and Ready.
pods_ready() {
	local out
	out=$(pods_of "$1")
	[ "$(echo "$out" | grep -c .)" -eq "$2" ] &&
		[ "$(echo "$out" | awk '$2 == "Running" && $4 == "True"' | grep -c .)" -eq "$2" ]
}

# no_pods SELECTOR: no pod of SELECTOR left, deleted ones included.
no_pods() { [ -z "$(kc get pods -l "$1" -o name)" ]; }

# curl_all WHAT N FROM URL: requests URL (from inside FROM: "node<k>" or
# "pod/<name>") until N different pods answered, at most 20*N requests;
# prints the distinct answers.  Fails the step if fewer answered.
curl_all() {
	local what=$1 n=$2 from=$3 url=$4 i out seen=""
	for i in $(seq 1 $((20 * n))); do
		if [[ $from == pod/* ]]; then
			out=$(in_pod "${from#pod/}" curl -s -m 3 "$url") || out=
		else
			out=$(in_node "$from" curl -s -m 3 "$url") || out=
		fi
		[ -n "$out" ] && seen=$(printf '%s\n%s' "$seen" "$out" | grep . | sort -u)
		[ "$(echo "$seen" | grep -c 'pod=')" -ge "$n" ] && break
	done
	echo "$seen" | sed 's/^/             /'
	[ "$(echo "$seen" | grep -c 'pod=')" -ge "$n" ] ||
		fail "$what: $(echo "$seen" | grep -c 'pod=') of $n replicas answered"
}
