"""pyclient.py - drives Debian's python3-kubernetes client against cube-apiserver.

Run with /usr/bin/python3 (the interpreter that has the `kubernetes` package):

    /usr/bin/python3 pyclient.py KUBECONFIG NAMESPACE STEP

Each step prints what it observed as `key=value` lines (one fact a line), so
that the C test (test_kubectl.c) can assert on exact lines.  An unexpected
exception escapes and ends the script with status 1 and a traceback.
"""
import sys
import time

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException


def pod(name, labels):
    return client.V1Pod(
        api_version="v1",
        kind="Pod",
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(containers=[
            client.V1Container(name="c", image="busybox:1.36", command=["sleep", "3600"])
        ]),
    )


def step_version(api_client, ns):
    v = client.VersionApi(api_client).get_code()
    for field in ("major", "minor", "git_version", "git_commit", "git_tree_state",
                  "build_date", "go_version", "compiler", "platform"):
        value = getattr(v, field)
        print("%s=%s" % (field, "<empty>" if value in (None, "") else value))
    print("gitVersion=%s" % v.git_version)


def step_pods(api_client, ns):
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_pod(ns, pod("py-a", {"app": "py", "tier": "a"}))
    print("created=%s/%s kind=%s phase=%s" % (created.metadata.namespace, created.metadata.name,
                                              created.kind, created.status.phase))
    print("uid_set=%s rv_set=%s" % (bool(created.metadata.uid), bool(created.metadata.resource_version)))
    core.create_namespaced_pod(ns, pod("py-b", {"app": "py", "tier": "b"}))
    core.create_namespaced_pod(ns, pod("py-other", {"app": "other"}))

    names = sorted(p.metadata.name for p in core.list_namespaced_pod(ns).items)
    print("list=%s" % ",".join(names))
    names = sorted(p.metadata.name for p in core.list_namespaced_pod(ns, label_selector="app=py").items)
    print("list app=py=%s" % ",".join(names))
    names = sorted(p.metadata.name
                   for p in core.list_namespaced_pod(ns, label_selector="app=py,tier!=a").items)
    print("list app=py,tier!=a=%s" % ",".join(names))

    got = core.read_namespaced_pod("py-a", ns)
    print("read=%s labels=%s" % (got.metadata.name, ",".join(
        "%s:%s" % kv for kv in sorted(got.metadata.labels.items()))))

    try:
        core.create_namespaced_pod(ns, pod("py-a", {"app": "py"}))
        print("duplicate=created")
    except ApiException as e:
        print("duplicate=%d" % e.status)
        print("duplicate_reason_in_body=%s" % ('"reason":"AlreadyExists"' in e.body.replace(" ", "")))

    deleted = core.delete_namespaced_pod("py-a", ns)
    print("delete_returned=%s" % type(deleted).__name__)
    try:
        core.read_namespaced_pod("py-a", ns)
        print("read_after_delete=found")
    except ApiException as e:
        print("read_after_delete=%d" % e.status)
        print("read_after_delete_msg=%s" % ('pods \\"py-a\\" not found' in e.body))


def step_watch(api_client, ns):
    """A seed pod exists first: its synthetic ADDED proves the watch is open,
    then a pod is created and deleted while the stream runs."""
    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(ns, pod("py-seed", {"app": "seed"}))
    w = watch.Watch()
    events = []
    kinds = set()
    start = time.time()
    for ev in w.stream(core.list_namespaced_pod, ns, timeout_seconds=10):
        obj = ev["object"]
        kinds.add(type(obj).__name__)
        events.append("%s %s" % (ev["type"], obj.metadata.name))
        if ev["type"] == "ADDED" and obj.metadata.name == "py-seed":
            core.create_namespaced_pod(ns, pod("py-w", {"app": "w"}))
            core.delete_namespaced_pod("py-w", ns)
        if ev["type"] == "DELETED":
            w.stop()
    print("events=%s" % ";".join(events))
    print("object_types=%s" % ",".join(sorted(kinds)))
    print("stopped_before_timeout=%s" % (time.time() - start < 9))
    # A watch that sees nothing ends by itself at timeout_seconds.
    start = time.time()
    n = sum(1 for _ in w.stream(core.list_namespaced_pod, ns, label_selector="app=none",
                                timeout_seconds=1))
    print("empty_watch_events=%d ended_after_timeout=%s" % (n, time.time() - start < 8))


def step_deployment(api_client, ns):
    apps = client.AppsV1Api(api_client)
    labels = {"app": "pyd"}
    d = client.V1Deployment(
        api_version="apps/v1",
        kind="Deployment",
        metadata=client.V1ObjectMeta(name="py-deploy", labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=3,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.25")]),
            ),
        ),
    )
    created = apps.create_namespaced_deployment(ns, d)
    print("created=%s kind=%s apiVersion=%s generation=%s" % (
        created.metadata.name, created.kind, created.api_version, created.metadata.generation))
    got = apps.read_namespaced_deployment("py-deploy", ns)
    print("read=%s replicas=%d image=%s selector=%s" % (
        got.metadata.name, got.spec.replicas, got.spec.template.spec.containers[0].image,
        ",".join("%s:%s" % kv for kv in sorted(got.spec.selector.match_labels.items()))))
    names = [x.metadata.name for x in apps.list_namespaced_deployment(ns).items]
    print("list=%s" % ",".join(names))


def step_dynamic(api_client, ns):
    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(ns, pod("dyn-a", {"app": "dyn"}))
    core.create_namespaced_pod(ns, pod("dyn-b", {"app": "dyn"}))
    dyn = dynamic.DynamicClient(api_client)
    pods = dyn.resources.get(api_version="v1", kind="Pod")
    print("resource=%s namespaced=%s" % (pods.name, pods.namespaced))
    lst = pods.get(namespace=ns)
    print("kind=%s" % lst.kind)
    print("items=%s" % ",".join(sorted(i.metadata.name for i in lst.items)))
    deploys = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    print("deployments=%s shortNames=%s" % (deploys.name, ",".join(deploys.short_names or [])))
    one = pods.get(name="dyn-a", namespace=ns)
    print("get=%s label=%s" % (one.metadata.name, one.metadata.labels["app"]))


STEPS = {
    "version": step_version,
    "pods": step_pods,
    "watch": step_watch,
    "deployment": step_deployment,
    "dynamic": step_dynamic,
}


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in STEPS:
        sys.stderr.write("usage: pyclient.py KUBECONFIG NAMESPACE %s\n" % "|".join(STEPS))
        return 2
    api_client = config.new_client_from_config(config_file=sys.argv[1])
    STEPS[sys.argv[3]](api_client, sys.argv[2])
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
