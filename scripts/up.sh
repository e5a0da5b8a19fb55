#!/usr/bin/env bash
# `make up`: a 3-node lab on this machine (bin/cube up, see docs/lab.md), then
# the demo (examples/demo.yaml) deployed with the real kubectl, and what to
# try next.  State lives in $CUBE_LAB_DIR (default .lab/), the lab is named
# $CUBE_LAB (default lab).  `make down` removes it.  Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${CUBE_LAB:-lab}
dir=${CUBE_LAB_DIR:-$PWD/.lab}
[ "$(id -u)" = 0 ] || { echo "make up: needs root (network namespaces, runc)" >&2; exit 1; }
bin/cube up --name "$name" --dir "$dir" --nodes "${CUBE_NODES:-3}"
export KUBECONFIG=$dir/$name/kubeconfig
kubectl apply -f examples/demo.yaml
kubectl rollout status deploy/backend --timeout=120s
cip=$(kubectl get svc backend -o jsonpath='{.spec.clusterIP}')
cat <<MSG

The demo runs: Deployment backend (web:v1 x3), Service backend ($cip:80),
NodePort 30080 on every node.  Try:
  export KUBECONFIG=$KUBECONFIG
  kubectl get pods -o wide
  bin/cube exec node1 -- curl -s http://$cip/          # from inside a node
  bin/cube exec node2 -- curl -s http://172.30.0.2:30080/
  kubectl set image deploy/backend web=web:v2 && kubectl rollout status deploy/backend
  bin/cubectl why pod/\$(kubectl get pods -o name | head -1 | cut -d/ -f2)
  make down
MSG
