#!/usr/bin/env bash
# bench/results.sh - `make bench`: runs every bench/*/run.sh (BENCH=name runs
# one) and writes bench/RESULTS.md: the machine it ran on, a summary of what
# each benchmark compares with (its baseline measured in the same run, its
# target, and the Kubernetes anchor where there is one), then each
# benchmark's own tables exactly as it printed them.  The figures in
# RESULTS.md are the printed ones, copied, never retyped.  A benchmark that
# fails is recorded as failed (with its last lines) and the others still run;
# the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${BENCH_RESULTS:-bench/RESULTS.md}
only=${1:-${BENCH:-}}

# name | its baseline, from the same run | target | the Kubernetes anchor
describe() {
	case $1 in
	apiserver) echo "raw etcd puts of the same pod JSON through cube's etcd client|creates/s >= 0.7 of the baseline|kube-apiserver's own cost over etcd: not measured on this machine" ;;
	cli) echo "the real kubectl v1.32 against the same API server|get 10,000 pods < 1 s, start-up < 10 ms|kubectl itself (the baseline)" ;;
	controllers) echo "the same number of bare pods POSTed (and deleted) by one client, same scheduler and cubelets|ratio ~1 (the controllers add nothing over their writes)|kube-controller-manager: not measured here" ;;
	etcd) echo "wrk straight at etcd's JSON gateway|>= 0.9 of the baseline at 1/16/64 concurrent|etcd itself (kube-apiserver's clientv3 is not run here)" ;;
	informer) echo "a bare paged LIST of the same pods through the same client|< 2 KiB overhead per cached pod besides its JSON|client-go's informer: not measured here" ;;
	lab) echo "none (absolute times and RSS)|3 nodes Ready in < 5 s|none measured here" ;;
	pod-startup) echo "an overlay mount of the same layers plus a bare runc run -d of the same command|p99 create-to-Running <= 1 s, p50 <= 3x bare runc|Kubernetes' pod startup SLO: p99 <= 5 s" ;;
	proxy) echo "a bare iptables-restore --noflush of the same batch|full sync within 1.2x of the baseline; one endpoint change among 10,000 services < 100 ms|kube-proxy 1.32 on iptables-nft: ~1 s per sync at 10,000 services (its partial syncs rewrite every service chain)" ;;
	scheduler) echo "POSTing pods/NAME/binding one after another (a binding with no decision)|>= 2,000 pods/s end to end at 5,000 nodes, 10,000 pods|Kubernetes' scheduler_perf CI requires 680 pods/s at 5,000 nodes, 10,000 pods" ;;
	*) echo "see bench/$1|-|-" ;;
	esac
}

work=$(mktemp -d /tmp/cube-bench-results.XXXXXX)
trap 'rm -rf "$work"' EXIT
names=()
failed=()
for d in bench/*/; do
	n=$(basename "$d")
	[ -f "$d/run.sh" ] || continue
	[ -z "$only" ] || [ "$n" = "$only" ] || continue
	names+=("$n")
	echo "== bench/$n"
	start=$SECONDS
	if bash "$d/run.sh" 2>"$work/$n.err" | tee "$work/$n.out"; then
		echo "ok $((SECONDS - start))" >"$work/$n.rc"
	else
		echo "FAILED $((SECONDS - start))" >"$work/$n.rc"
		failed+=("$n")
		tail -5 "$work/$n.err"
	fi
done

{
	echo "# cube benchmark results"
	echo
	echo "Written by \`make bench\` (bench/results.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'),"
	echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (with local changes)')."
	echo "Every figure below is copied from what the benchmark printed in this run;"
	echo "each baseline was measured in the same run, on the same machine."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPUs (nproc) | $(nproc) |"
	echo "| model | $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) |"
	echo "| memory | $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| OS | $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") |"
	echo "| load average at the end | $(cut -d' ' -f1-3 /proc/loadavg) |"
	echo
	echo "## What each benchmark compares with"
	echo
	echo "| benchmark | result | baseline (same run) | target | Kubernetes anchor |"
	echo "|---|---|---|---|---|"
	for n in "${names[@]}"; do
		IFS='|' read -r base target anchor <<<"$(describe "$n")"
		read -r rc secs <"$work/$n.rc"
		echo "| [$n](#$n) | $rc (${secs} s) | $base | $target | $anchor |"
	done
	for n in "${names[@]}"; do
		echo
		echo "## $n"
		echo
		# markdown tables as they are; every other line as text
		awk '
			/^\|/ { if (code) { print "```"; code = 0 } print; next }
			/^[[:space:]]*$/ { if (code) { print "```"; code = 0 } print ""; next }
			{ if (!code) { print "```"; code = 1 } print }
			END { if (code) print "```" }' "$work/$n.out"
		if grep -q FAILED "$work/$n.rc"; then
			echo
			echo "**failed**; its last lines on stderr:"
			echo
			echo '```'
			tail -10 "$work/$n.err"
			echo '```'
		fi
	done
} >"$out"
echo "wrote $out"
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
