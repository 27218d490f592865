"""The rendered Kubernetes manifests: autoscaling, probes, termination and
security. (Schemas are validated by deploy/check with kubernetes-validate; the
KEDA custom resources, which have no schema there, are checked here.)"""

import pytest
from django.conf import settings

from .commands import ROOT
from .conftest import OVERLAYS, find, the

pytestmark = pytest.mark.parametrize("overlay", OVERLAYS)

WORKER_QUEUES = {"transcode-worker": "transcode", "default-worker": "default"}


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def _option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1]


def test_workers_scale_on_their_queue_with_keda_down_to_zero(rendered, overlay):
    documents = rendered[overlay]
    scaled_objects = find(documents, "ScaledObject")
    assert {so["spec"]["scaleTargetRef"]["name"] for so in scaled_objects} == set(
        WORKER_QUEUES
    )
    auths = {
        doc["metadata"]["name"]: doc for doc in find(documents, "TriggerAuthentication")
    }
    for scaled in scaled_objects:
        assert scaled["apiVersion"] == "keda.sh/v1alpha1"
        spec = scaled["spec"]
        target = the(documents, "Deployment", spec["scaleTargetRef"]["name"])
        assert spec["minReplicaCount"] == 0
        assert spec["maxReplicaCount"] >= 1
        assert spec["triggers"], "a ScaledObject needs at least one trigger"
        for trigger in spec["triggers"]:
            assert trigger["type"] == "redis"
            metadata = trigger["metadata"]
            # Celery's queue is the Redis list of the same name.
            queue = _option(_container(target)["args"], "--queues")
            assert (
                metadata["listName"]
                == queue
                == WORKER_QUEUES[target["metadata"]["name"]]
            )
            assert int(metadata["listLength"]) >= 1
            auth = auths[trigger["authenticationRef"]["name"]]
            parameters = {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]}
            assert {"address", "password"} <= parameters


def test_keda_reads_secret_keys_the_example_secret_lists(rendered, overlay):
    example = (ROOT / "deploy/k8s/base/secrets.env.example").read_text()
    keys = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    for auth in find(rendered[overlay], "TriggerAuthentication"):
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["name"] == "vod-secrets"
            assert ref["key"] in keys


def test_hpa_and_pdb_target_the_web_deployment(rendered, overlay):
    documents = rendered[overlay]
    web = the(documents, "Deployment", "web")
    web_labels = web["spec"]["template"]["metadata"]["labels"]
    (hpa,) = find(documents, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert "replicas" not in web["spec"], "the HPA owns the web replica count"

    (pdb,) = find(documents, "PodDisruptionBudget")
    selector = pdb["spec"]["selector"]["matchLabels"]
    assert selector.items() <= web_labels.items()
    for other in find(documents, "Deployment"):
        if other is not web:
            labels = other["spec"]["template"]["metadata"]["labels"]
            assert not selector.items() <= labels.items(), other["metadata"]["name"]
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


def test_web_probes_point_at_readyz_and_healthz(rendered, overlay):
    web = _container(the(rendered[overlay], "Deployment", "web"))
    ports = {port["name"]: port["containerPort"] for port in web["ports"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = web[probe]["httpGet"]
        assert get["path"] == path
        assert get["port"] in ports
        headers = {h["name"]: h["value"] for h in get.get("httpHeaders", [])}
        # Django answers 400 to a Host it does not allow.
        config = {}
        for config_map in find(rendered[overlay], "ConfigMap"):
            config.update(config_map["data"])
        assert headers["Host"] in config["DJANGO_ALLOWED_HOSTS"].split(",")


def test_web_termination_outlasts_the_drain_and_gunicorns_graceful_timeout(
    rendered, overlay
):
    pod = the(rendered[overlay], "Deployment", "web")["spec"]["template"]["spec"]
    web = _container(the(rendered[overlay], "Deployment", "web"))
    sleep_command = web["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep_command[0] == "sleep"
    drain = int(sleep_command[1])
    graceful = int(_option(web["args"], "--graceful-timeout"))
    assert drain >= 15, "the load balancer needs time to stop sending requests"
    assert pod["terminationGracePeriodSeconds"] > drain + graceful


def test_transcode_worker_may_finish_a_running_task_when_stopped(rendered, overlay):
    pod = the(rendered[overlay], "Deployment", "transcode-worker")["spec"]["template"]
    assert (
        pod["spec"]["terminationGracePeriodSeconds"] > settings.CELERY_TASK_TIME_LIMIT
    )


def test_beat_is_a_single_replica_replaced_not_rolled(rendered, overlay):
    beat = the(rendered[overlay], "Deployment", "beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert not [
        so
        for so in find(rendered[overlay], "ScaledObject")
        if so["spec"]["scaleTargetRef"]["name"] == "beat"
    ]


def test_migrations_run_as_a_job(rendered, overlay):
    job = the(rendered[overlay], "Job", "migrate")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert _container(job)["args"][-2:] == ["migrate", "--noinput"]


def test_pods_run_as_non_root_on_a_read_only_root_with_writable_tmp(rendered, overlay):
    documents = rendered[overlay]
    config_maps = {doc["metadata"]["name"] for doc in find(documents, "ConfigMap")}
    for workload in find(documents, "Deployment") + find(documents, "Job"):
        name = workload["metadata"]["name"]
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] >= 10000, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            tmp = mounts["/tmp"]  # noqa: S108 (the pod's own emptyDir)
            assert "emptyDir" in volumes[tmp], name
            assert container["resources"]["requests"], name
            assert container["resources"]["limits"]["memory"], name
            sources = container["envFrom"]
            assert {"secretRef": {"name": "vod-secrets"}} in sources, name
            (config_ref,) = [
                s["configMapRef"]["name"] for s in sources if "configMapRef" in s
            ]
            assert config_ref in config_maps, name


def test_transcode_scratch_dir_is_a_mounted_volume(rendered, overlay):
    documents = rendered[overlay]
    config = {}
    for config_map in find(documents, "ConfigMap"):
        config.update(config_map["data"])
    worker = _container(the(documents, "Deployment", "transcode-worker"))
    mounts = {m["mountPath"] for m in worker["volumeMounts"]}
    assert config["TRANSCODE_SCRATCH_DIR"] in mounts
