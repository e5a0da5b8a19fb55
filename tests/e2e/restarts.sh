#!/usr/bin/env bash
# Component restarts (issue 12, story 5): during a rolling update of 30
# replicas, kill -9 the API server, the scheduler, the controller-manager,
# node2's cubelet and node3's cube-proxy, one after the other.  The lab's
# supervisor (`cube supervise`, as systemd would) starts each again; the
# rollout completes with exactly 30 available pods of the new template,
# and nothing is orphaned: every pod and ReplicaSet has a live owner, and
# every node runs exactly the containers of its pods.
source "$(dirname "$0")/lib/e2e.bash"

lab_up
run=$LAB_DIR/$LAB/run

step "kubectl apply a Deployment big: 30 replicas of web:v1"
cat >"$LAB_DIR/big.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: 30
  strategy:   # a few pods at a time, so that the kills fall inside the rollout
    rollingUpdate: {maxSurge: 3, maxUnavailable: 0}
  selector:
    matchLabels: {app: big}
  template:
    metadata:
      labels: {app: big}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: web:v1
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        readinessProbe:
          httpGet: {path: /, port: 8080}
          periodSeconds: 1
EOF
kc apply -f "$LAB_DIR/big.yaml" | sed 's/^/             /'
kc rollout status deploy/big --timeout=300s | tail -1 | sed 's/^/             /'
wait_for 120 "30 big pods Running and Ready" pods_ready app=big 30

# kill_and_wait PROC: kill -9 the lab's PROC by its recorded PID; waits
# until the supervisor has started it again.
kill_and_wait() {
	local proc=$1 old new
	old=$(cat "$run/$proc.pid")
	kill -9 "$old"
	info "killed $proc (pid $old)"
	wait_for 60 "the supervisor to start $proc again" bash -c \
		"new=\$(cat $run/$proc.pid 2>/dev/null); [ -n \"\$new\" ] && [ \"\$new\" != $old ] && kill -0 \$new"
	new=$(cat "$run/$proc.pid")
	info "$proc is back as pid $new"
}

step "kubectl set image deployment/big web=web:v2 (a rolling update of 30)"
kc set image deployment/big web=web:v2 | sed 's/^/             /'

step "kill -9 the API server during the rollout"
sleep 1
kill_and_wait apiserver
wait_for 60 "the API server's /readyz" kc get --raw /readyz
info "rollout: $(kc get deploy big -o jsonpath='{.status.updatedReplicas} updated, {.status.availableReplicas} available')"

step "kill -9 the scheduler"
kill_and_wait scheduler
sleep 2
info "rollout: $(kc get deploy big -o jsonpath='{.status.updatedReplicas} updated, {.status.availableReplicas} available')"

step "kill -9 the controller-manager"
kill_and_wait controller-manager
sleep 2
info "rollout: $(kc get deploy big -o jsonpath='{.status.updatedReplicas} updated, {.status.availableReplicas} available')"

step "kill -9 node2's cubelet"
kill_and_wait cubelet-node2
sleep 2
info "rollout: $(kc get deploy big -o jsonpath='{.status.updatedReplicas} updated, {.status.availableReplicas} available')"

step "kill -9 node3's cube-proxy"
kill_and_wait proxy-node3
info "rollout: $(kc get deploy big -o jsonpath='{.status.updatedReplicas} updated, {.status.availableReplicas} available')"

step "the rollout completes: 30 available pods, all of the new template"
kc rollout status deploy/big --timeout=300s | tail -1 | sed 's/^/             /'
status() { kc get deploy big -o jsonpath='{.status.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}'; }
wait_for 120 "deployment status 30/30/30/30 (replicas/updated/ready/available)" bash -c "[ \"\$(kubectl --kubeconfig $KUBECONFIG get deploy big -o jsonpath='{.status.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}')\" = 30/30/30/30 ]"
info "status: $(status)"
wait_for 120 "the old pods to finish" bash -c "[ \$(kubectl --kubeconfig $KUBECONFIG get pods -l app=big -o name | wc -l) -eq 30 ]"
pods_ready app=big 30 || fail "not 30 Running and Ready pods: $(pods_of app=big | wc -l)"
new_rs=$(kc get rs -l app=big -o jsonpath='{range .items[?(@.spec.replicas==30)]}{.metadata.name}{end}')
[ -n "$new_rs" ] || fail "no ReplicaSet of 30"
[ "$(kc get rs "$new_rs" -o jsonpath='{.spec.template.spec.containers[0].image}')" = web:v2 ] ||
	fail "the ReplicaSet of 30 is not the web:v2 one"
[ "$(kc get pods -l app=big -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].name}{"\n"}{end}' | sort -u)" = "$new_rs" ] ||
	fail "not every pod belongs to $new_rs"
kc get rs -l app=big | sed 's/^/             /'

step "no orphans: every pod and ReplicaSet has a live owner"
orphans=$(
	kc get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].uid}{"\n"}{end}'
	kc get rs -A -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.name} {.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.ownerReferences[0].uid}{"\n"}{end}'
)
bad=0
while read -r ns name kind owner uid; do
	[ -n "$name" ] || continue
	if [ -z "$uid" ]; then
		info "ORPHAN $ns/$name has no owner"
		bad=$((bad + 1))
	elif [ "$(kc get "$kind" "$owner" -n "$ns" -o jsonpath='{.metadata.uid}' 2>/dev/null)" != "$uid" ]; then
		info "ORPHAN $ns/$name: its owner $kind/$owner ($uid) is gone"
		bad=$((bad + 1))
	fi
done <<<"$orphans"
[ "$bad" -eq 0 ] || fail "$bad objects without a live owner"
info "$(echo "$orphans" | grep -c .) pods and ReplicaSets, each with a live owner"

step "no stray containers: each node runs exactly the containers of its pods"
for n in 1 2 3; do
	want=$(pods_of app=big | awk -v n=node$n '$3 == n' | wc -l)
	have=$(runc --root "$LAB_DIR/$LAB/nodes/node$n/runc" list -q 2>/dev/null | grep -c . || true)
	running=$(runc --root "$LAB_DIR/$LAB/nodes/node$n/runc" list 2>/dev/null | awk 'NR > 1 && $3 == "running"' | wc -l)
	info "node$n: $want pods, $have runc containers ($running running)"
	[ "$have" -eq "$want" ] && [ "$running" -eq "$want" ] ||
		fail "node$n runs $have containers ($running running) for $want pods"
done

step "the supervisor logged each restart"
sed 's/^/             /' "$LAB_DIR/$LAB/logs/supervisor.log"
for p in apiserver scheduler controller-manager cubelet-node2 proxy-node3; do
	grep -q " $p: pid .* is gone; started again" "$LAB_DIR/$LAB/logs/supervisor.log" ||
		fail "supervisor.log has no restart of $p"
done

step "a component that keeps dying comes back with a growing back-off"
kill_and_wait scheduler
t0=$SECONDS
kill_and_wait scheduler
info "the third restart took $((SECONDS - t0))s"
grep " scheduler: " "$LAB_DIR/$LAB/logs/supervisor.log" | sed 's/^/             /'
# the back-off doubles from one restart to the next (it is back at 1 s
# only after a minute of running)
read -r b1 b2 <<<"$(grep " scheduler: " "$LAB_DIR/$LAB/logs/supervisor.log" | tail -2 |
	sed -E 's/.*next back-off ([0-9]+)s.*/\1/' | tr '\n' ' ')"
[ -n "$b2" ] && [ "$b2" -eq $((2 * b1)) ] ||
	fail "the back-off did not double between the last two restarts ($b1 s, $b2 s)"
[ $((SECONDS - t0)) -ge "$((b1 / 2))" ] || fail "the last restart did not wait for its back-off"

step "the Service of the new pods answers v2 (a Service made after the restarts)"
kc apply -f - <<'EOF' | sed 's/^/             /'
apiVersion: v1
kind: Service
metadata: {name: big}
spec:
  selector: {app: big}
  ports: [{port: 80, targetPort: 8080}]
EOF
cip=$(kc get svc big -o jsonpath='{.spec.clusterIP}')
wait_for 60 "web v2 from $cip inside node3 (its cube-proxy was restarted)" bash -c \
	"$CUBE exec --name $LAB --dir $LAB_DIR node3 -- curl -s -m 2 http://$cip/ | grep -q 'web v2'"
pass
