#!/usr/bin/env bash
# The other workloads and the scheduler's word (issue 12, stories 3 and 4),
# on one 3-node lab:
#   a CronJob "*/1 * * * *" is made first (it fires at the next full
#   minute, so it is checked last); a DaemonSet has one pod per node; a Job
#   runs to completion; a StatefulSet comes up in order (web-0 Ready before
#   web-1 is created);
#   a pod whose nodeSelector no node matches stays Pending, and `cubectl
#   why` and `kubectl describe` say why; labelling a node schedules it.
source "$(dirname "$0")/lib/e2e.bash"

lab_up
manifests=$LAB_DIR/manifests
mkdir -p "$manifests"

step "kubectl apply a CronJob \"*/1 * * * *\" (it fires at the next full minute)"
cat >"$manifests/cronjob.yaml" <<'EOF'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - {name: tick, image: busybox, command: [sh, -c, "echo tick"]}
EOF
kc apply -f "$manifests/cronjob.yaml" | sed 's/^/             /'

step "kubectl apply a DaemonSet: one pod on each of the 3 nodes"
cat >"$manifests/daemonset.yaml" <<'EOF'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: agent, image: busybox, command: [sleep, "3600"]}
EOF
kc apply -f "$manifests/daemonset.yaml" | sed 's/^/             /'
wait_for 90 "3 agent pods Running" pods_ready app=agent 3
pods_of app=agent | sed 's/^/             /'
nodes=$(pods_of app=agent | awk '{print $3}' | sort | tr '\n' ' ')
[ "$nodes" = "node1 node2 node3 " ] || fail "DaemonSet pods on: $nodes (want one per node)"
[ "$(kc get ds agent -o jsonpath='{.status.desiredNumberScheduled}/{.status.numberReady}')" = 3/3 ] ||
	wait_for 30 "DaemonSet status 3 desired, 3 ready" bash -c \
		"[ \"\$(kubectl --kubeconfig $KUBECONFIG get ds agent -o jsonpath='{.status.desiredNumberScheduled}/{.status.numberReady}')\" = 3/3 ]"

step "kubectl apply a Job of 2 completions: it runs to completion"
cat >"$manifests/job.yaml" <<'EOF'
apiVersion: batch/v1
kind: Job
metadata: {name: count}
spec:
  completions: 2
  parallelism: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: count, image: busybox, command: [sh, -c, "for i in 1 2 3; do echo $i; done"]}
EOF
kc apply -f "$manifests/job.yaml" | sed 's/^/             /'
job_complete() {
	[ "$(kc get job count -o jsonpath='{.status.conditions[?(@.type=="Complete")].status} {.status.succeeded}')" = "True 2" ]
}
wait_for 120 "Job count Complete with 2 succeeded" job_complete
kc get job count | sed 's/^/             /'
kc get pods -l job-name=count | sed 's/^/             /'
[ "$(kc logs "$(kc get pods -l job-name=count -o name | head -1)" | tr '\n' ' ')" = "1 2 3 " ] ||
	fail "the Job's pod did not log 1 2 3"

step "kubectl apply a StatefulSet of 3: web-0 Ready before web-1 is created, and so on"
cat >"$manifests/statefulset.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: web:v1
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        readinessProbe:
          httpGet: {path: /, port: 8080}
          initialDelaySeconds: 2
          periodSeconds: 1
EOF
kc apply -f "$manifests/statefulset.yaml" | sed 's/^/             /'
# Watch the order as it happens: while web-N is not Ready, web-N+1 must not exist.
order_log=$LAB_DIR/statefulset-order.log
sts_seen() {
	local out
	out=$(kc get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}')
	echo "$out" >>"$order_log"
	for n in 0 1; do
		if ! echo "$out" | grep -q "web-$n=True" && echo "$out" | grep -q "web-$((n + 1))="; then
			fail "web-$((n + 1)) exists while web-$n is not Ready: $out"
		fi
	done
	pods_ready app=web 3
}
end=$((SECONDS + 120))
until sts_seen; do
	[ $SECONDS -lt $end ] || fail "timed out waiting for 3 Ready StatefulSet pods"
	sleep 0.3
done
info "seen: $(uniq "$order_log" | tr '\n' '|')"
ready_at() { kc get pod "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastTransitionTime}'; }
created_at() { kc get pod "$1" -o jsonpath='{.metadata.creationTimestamp}'; }
for n in 0 1; do
	r=$(ready_at web-$n)
	c=$(created_at web-$((n + 1)))
	info "web-$n Ready at $r, web-$((n + 1)) created at $c"
	[[ ! "$c" < "$r" ]] || fail "web-$((n + 1)) was created ($c) before web-$n was Ready ($r)"
done

step "a pod with nodeSelector disktype=ssd (no node has it) stays Pending"
cat >"$manifests/pending.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  nodeSelector: {disktype: ssd}
  terminationGracePeriodSeconds: 1
  containers:
  - {name: picky, image: busybox, command: [sleep, "3600"]}
EOF
kc apply -f "$manifests/pending.yaml" | sed 's/^/             /'
want="0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
wait_for 30 "a FailedScheduling event for picky" bash -c \
	"kubectl --kubeconfig $KUBECONFIG get events --field-selector involvedObject.name=picky,reason=FailedScheduling -o name | grep -q ."
sleep 2
[ "$(kc get pod picky -o jsonpath='{.status.phase}/{.spec.nodeName}')" = Pending/ ] ||
	fail "picky is not Pending and unbound: $(kc get pod picky -o wide)"

step "kubectl describe pod picky says why"
kc describe pod picky | tail -5 | sed 's/^/             /'
kc describe pod picky | grep -F "FailedScheduling" | grep -qF "$want" ||
	fail "kubectl describe has no FailedScheduling \"$want\""

step "cubectl why pod/picky says why"
cc why pod/picky | sed 's/^/             /'
cc why pod/picky | grep -qF "3 node(s) didn't match Pod's node affinity/selector" ||
	fail "cubectl why does not say that no node matched the selector"

step "kubectl label node node3 disktype=ssd: picky is scheduled to node3 and runs"
kc label node node3 disktype=ssd | sed 's/^/             /'
wait_for 60 "picky Running on node3" bash -c \
	"[ \"\$(kubectl --kubeconfig $KUBECONFIG get pod picky -o jsonpath='{.status.phase}/{.spec.nodeName}')\" = Running/node3 ]"
kc get pod picky -o wide | sed 's/^/             /'
kc get events --field-selector involvedObject.name=picky,reason=Scheduled --no-headers | sed 's/^/             /'

step "the CronJob fired: a Job it owns ran to completion"
cron_done() {
	local job
	job=$(kc get jobs -o jsonpath='{range .items[?(@.metadata.ownerReferences[0].name=="tick")]}{.metadata.name} {end}')
	[ -n "$job" ] &&
		[ "$(kc get job "${job%% *}" -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}')" = True ]
}
wait_for 100 "a Complete Job of CronJob tick (the schedule fires at the full minute)" cron_done
kc get cronjob tick | sed 's/^/             /'
kc get jobs | sed 's/^/             /'
[ -n "$(kc get cronjob tick -o jsonpath='{.status.lastScheduleTime}')" ] || fail "no lastScheduleTime"
pass
