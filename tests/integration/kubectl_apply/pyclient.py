"""pyclient.py - patch, scale and replace through Debian's python3-kubernetes.

Run with /usr/bin/python3 (the interpreter that has the `kubernetes` package):

    /usr/bin/python3 pyclient.py KUBECONFIG NAMESPACE STEP

Each step prints what it observed as `key=value` lines (one fact a line), so
that the C test (test_kubectl_apply.c) can assert on exact lines.  An
unexpected exception escapes and ends the script with status 1 and a
traceback.
"""
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def deployment(name):
    labels = {"app": name}
    return client.V1Deployment(
        api_version="apps/v1",
        kind="Deployment",
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="c", image="nginx:1.25"),
                    client.V1Container(name="side", image="busybox:1.36",
                                       command=["sleep", "3600"]),
                ]),
            ),
        ),
    )


def containers(d):
    return ",".join("%s=%s" % (c.name, c.image) for c in d.spec.template.spec.containers)


def step_patch(api_client, ns):
    apps = client.AppsV1Api(api_client)
    apps.create_namespaced_deployment(ns, deployment("py-web"))

    # A dict body is sent as a strategic merge patch: containers merge by name.
    got = apps.patch_namespaced_deployment(
        "py-web", ns,
        {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:1.26"}]}}}})
    print("smp=%s type=%s" % (containers(got), type(got).__name__))
    # null deletes a key.
    got = apps.patch_namespaced_deployment(
        "py-web", ns, {"metadata": {"labels": {"tier": "fe"}}})
    print("smp_label=%s" % ",".join("%s:%s" % kv for kv in sorted(got.metadata.labels.items())))
    got = apps.patch_namespaced_deployment("py-web", ns, {"metadata": {"labels": {"tier": None}}})
    print("smp_null=%s" % ",".join("%s:%s" % kv for kv in sorted(got.metadata.labels.items())))

    # A list body is sent as a JSON patch.
    got = apps.patch_namespaced_deployment(
        "py-web", ns, [{"op": "replace", "path": "/spec/replicas", "value": 4},
                       {"op": "add", "path": "/metadata/labels/json", "value": "yes"}])
    print("jsonpatch replicas=%d json=%s" % (got.spec.replicas, got.metadata.labels.get("json")))
    try:
        apps.patch_namespaced_deployment(
            "py-web", ns, [{"op": "test", "path": "/spec/replicas", "value": 99},
                           {"op": "replace", "path": "/spec/replicas", "value": 1}])
        print("failed_test=applied")
    except ApiException as e:
        print("failed_test=%d" % e.status)
    print("after_failed_test replicas=%d" % apps.read_namespaced_deployment("py-web", ns).spec.replicas)

    # The scale subresource.
    sc = apps.read_namespaced_deployment_scale("py-web", ns)
    print("scale kind=%s api=%s spec=%d status_replicas_set=%s selector=%s" % (
        sc.kind, sc.api_version, sc.spec.replicas, sc.status.replicas is not None,
        sc.status.selector))
    sc = apps.patch_namespaced_deployment_scale("py-web", ns, {"spec": {"replicas": 2}})
    print("patched_scale=%d" % sc.spec.replicas)
    print("deployment replicas=%d" % apps.read_namespaced_deployment("py-web", ns).spec.replicas)
    try:
        apps.patch_namespaced_deployment_scale("py-web", ns, {"spec": {"replicas": -1}})
        print("negative_scale=applied")
    except ApiException as e:
        print("negative_scale=%d" % e.status)

    # replace: read, change, PUT; the read's resourceVersion makes a second
    # PUT of the same copy stale.
    cur = apps.read_namespaced_deployment("py-web", ns)
    cur.spec.template.spec.containers[0].image = "nginx:1.27"
    cur.metadata.labels["replaced"] = "yes"
    got = apps.replace_namespaced_deployment("py-web", ns, cur)
    print("replaced=%s labels=%s generation_bumped=%s" % (
        containers(got), ",".join("%s:%s" % kv for kv in sorted(got.metadata.labels.items())),
        got.metadata.generation > cur.metadata.generation))
    try:
        apps.replace_namespaced_deployment("py-web", ns, cur)
        print("stale_replace=replaced")
    except ApiException as e:
        print("stale_replace=%d conflict_in_body=%s" % (
            e.status, '"reason":"Conflict"' in e.body.replace(" ", "")))


STEPS = {
    "patch": step_patch,
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
