#!/usr/bin/env bash
# The story cube exists to tell (issue 12, story 1), driven by the real
# kubectl and then again by cubectl on one 3-node lab:
#   apply examples/demo.yaml -> 3 pods Running, one per node;
#   the ClusterIP from inside a pod (its namespace, and `exec` into its
#   container) and the NodePort of every node reach every replica ("web v1
#   pod=... node=...");
#   set image web=web:v2 while a client inside node2 sends requests
#   continuously: no request fails, the answers move from v1 to v2;
#   rollout undo -> v1 again; scale to 6 and back to 3.
source "$(dirname "$0")/lib/e2e.bash"

lab_up

# the_story CLIENT: the whole story with CLIENT (kc: kubectl, cc: cubectl).
the_story() {
	local K=$1 name
	name=$([ "$K" = kc ] && echo kubectl || echo cubectl)

	step "$name apply -f examples/demo.yaml"
	$K apply -f examples/demo.yaml | sed 's/^/             /'
	step "$name rollout status deploy/backend: 3 replicas available"
	$K rollout status deploy/backend --timeout=120s | tail -1 | sed 's/^/             /'
	wait_for 60 "3 backend pods Running and Ready" pods_ready app=backend 3

	step "the 3 pods are Running on 3 different nodes"
	local pods nodes
	pods=$(pods_of app=backend)
	echo "$pods" | sed 's/^/             /'
	nodes=$(echo "$pods" | awk '{print $3}' | sort -u | tr '\n' ' ')
	[ "$nodes" = "node1 node2 node3 " ] || fail "pods not spread over the 3 nodes: $nodes"

	local cip pod1
	cip=$(kc get svc backend -o jsonpath='{.spec.clusterIP}')
	pod1=$(echo "$pods" | awk '$3 == "node1" {print $1}')
	step "from inside pod $pod1: the ClusterIP $cip reaches all 3 replicas"
	curl_all "ClusterIP from a pod" 3 "pod/$pod1" "http://$cip/"
	step "$name exec $pod1 -- wget -qO- http://$cip/: from inside the pod's container"
	local answer
	answer=$($K exec "$pod1" -- wget -qO- "http://$cip/")
	info "$answer"
	[[ $answer == "web v1 pod=backend-"* ]] || fail "exec in $pod1: unexpected answer \"$answer\""
	local n
	for n in 1 2 3; do
		step "from inside node$((n % 3 + 1)): NodePort $(node_ip $n):30080 of node$n reaches all 3 replicas"
		curl_all "NodePort of node$n" 3 "node$((n % 3 + 1))" "http://$(node_ip $n):30080/"
	done

	# The client: inside node2, one request every 50 ms until the stop
	# file appears (or 240 s pass), one line per request.  It starts once
	# node2's cube-proxy has programmed the Service (up to its 1 s min sync
	# period after the Endpoints change; until then the ClusterIP REJECTs).
	step "from inside node2: the ClusterIP $cip reaches all 3 replicas"
	curl_all "ClusterIP from node2" 3 node2 "http://$cip/"
	local log=$LAB_DIR/client-$name.log stop=$LAB_DIR/client-$name.stop
	step "a client inside node2 sends requests to $cip continuously"
	bg_in_node node2 bash -c "end=\$((SECONDS + 240)); while [ ! -e $stop ] && [ \$SECONDS -lt \$end ]; do
		out=\$(curl -s -m 10 -f http://$cip/); rc=\$?
		if [ \$rc = 0 ]; then echo \"ok \$out\"; else echo \"FAILED curl exit \$rc\"; fi
		sleep 0.05; done" >"$log"
	local client=$BG_PID
	wait_for 30 "the client's first answer" grep -q '^ok web v1' "$log"

	step "$name set image deployment/backend web=web:v2, while the client runs"
	$K set image deployment/backend web=web:v2 | sed 's/^/             /'
	$K rollout status deploy/backend --timeout=180s | tail -1 | sed 's/^/             /'
	# the old pods leave the Service's endpoints, then stop answering
	wait_for 60 "only v2 answers" bash -c "tail -n 10 $log | grep -c 'web v2' | grep -qx 10"
	touch "$stop"
	wait "$client" || true
	local total failed v1 v2 first last
	total=$(grep -c . "$log" || true)
	failed=$(grep -c '^FAILED' "$log" || true)
	v1=$(grep -c 'web v1' "$log" || true)
	v2=$(grep -c 'web v2' "$log" || true)
	first=$(grep -n 'web v2' "$log" | head -1 | cut -d: -f1)
	last=$(grep -n 'web v1' "$log" | tail -1 | cut -d: -f1)
	info "client: $total requests, $failed failed, $v1 answered v1, $v2 answered v2 (v2 first at request $first, v1 last at $last)"
	[ "$failed" -eq 0 ] || fail "$failed of $total requests failed during the rollout: $(grep -m3 FAILED "$log" | tr '\n' ' ')"
	[ "$v1" -gt 0 ] && [ "$v2" -gt 0 ] || fail "the answers did not move from v1 to v2"
	head -1 "$log" | grep -q 'web v1' || fail "the first answer was not v1"
	tail -n 1 "$log" | grep -q 'web v2' || fail "the last answer was not v2"
	wait_for 60 "3 v2 pods Running and Ready" pods_ready app=backend 3
	curl_all "ClusterIP after the rollout" 3 node1 "http://$cip/"
	[ "$(in_node node1 curl -s -m 3 "http://$cip/" | cut -d' ' -f2)" = v2 ] || fail "not v2 after the rollout"

	step "$name rollout undo deploy/backend: back to v1"
	$K rollout undo deploy/backend | sed 's/^/             /'
	$K rollout status deploy/backend --timeout=180s | tail -1 | sed 's/^/             /'
	[ "$(kc get deploy backend -o jsonpath='{.spec.template.spec.containers[0].image}')" = web:v1 ] ||
		fail "the template's image is not web:v1 after the undo"
	wait_for 60 "only v1 answers" bash -c "for i in 1 2 3 4 5 6; do $CUBE exec --name $LAB --dir $LAB_DIR node3 -- curl -s -m 2 http://$cip/ | grep -q 'web v1' || exit 1; done"
	wait_for 60 "3 v1 pods Running and Ready" pods_ready app=backend 3
	curl_all "ClusterIP after the undo" 3 node3 "http://$cip/"

	step "$name scale deploy/backend --replicas=6"
	$K scale deploy/backend --replicas=6 | sed 's/^/             /'
	wait_for 120 "6 backend pods Running and Ready" pods_ready app=backend 6
	$K rollout status deploy/backend --timeout=60s | tail -1 | sed 's/^/             /'
	curl_all "ClusterIP with 6 replicas" 6 node2 "http://$cip/"

	step "$name scale deploy/backend --replicas=3"
	$K scale deploy/backend --replicas=3 | sed 's/^/             /'
	wait_for 60 "3 backend pods left" pods_ready app=backend 3
	wait_for 60 "3 available replicas" bash -c "[ \"\$(kubectl --kubeconfig $KUBECONFIG get deploy backend -o jsonpath='{.status.replicas}/{.status.availableReplicas}')\" = 3/3 ]"

	step "$name delete -f examples/demo.yaml"
	$K delete -f examples/demo.yaml | sed 's/^/             /'
	wait_for 90 "the backend pods to go" no_pods app=backend
}

the_story kc
the_story cc
pass
