"""Procfile, compose, Kubernetes, the image and ECS run the same roles with the
same commands, so none can drift from the others."""

import re

import hcl2
import pytest

from .commands import (
    ROOT,
    dockerfile_cmd,
    dockerfile_env,
    expand_kubernetes,
    expand_shell,
    procfile_roles,
)
from .conftest import OVERLAYS, find

ROLES = {"web", "transcode", "default", "beat", "release"}
# The compose service that runs each role, where the names differ.
COMPOSE_SERVICES = {"release": "migrate"}


def test_procfile_names_the_runtime_roles():
    assert set(procfile_roles()) == ROLES


def test_compose_runs_every_role_with_the_procfile_command(compose):
    services = compose["services"]
    for role, command in procfile_roles().items():
        service = services[COMPOSE_SERVICES.get(role, role)]
        environment = {k: str(v) for k, v in service.get("environment", {}).items()}
        assert service["command"] == expand_shell(command, environment), role


def test_compose_runs_no_other_command_from_the_image(compose):
    role_services = {COMPOSE_SERVICES.get(role, role) for role in ROLES}
    built = {
        name for name, service in compose["services"].items() if "build" in service
    }
    # The one other service built from the Dockerfile creates the buckets.
    assert built - role_services == {"buckets"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubernetes_runs_every_role_with_the_procfile_command(rendered, overlay):
    documents = rendered[overlay]
    config = {}
    for config_map in find(documents, "ConfigMap"):
        config.update(config_map.get("data", {}))
    workloads = find(documents, "Deployment") + find(documents, "Job")
    by_role = {}
    for workload in workloads:
        role = workload["spec"]["template"]["metadata"]["labels"][
            "app.kubernetes.io/component"
        ]
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        assert container["name"] == role
        assert "command" not in container, "args keep the image's init (tini)"
        environment = {
            **config,
            **{item["name"]: item["value"] for item in container.get("env", [])},
        }
        by_role[role] = (container["args"], environment)

    assert set(by_role) == ROLES
    for role, command in procfile_roles().items():
        arguments, environment = by_role[role]
        assert expand_kubernetes(arguments, environment) == expand_shell(
            command, environment
        ), role


def test_image_runs_the_web_role_by_default():
    web = procfile_roles()["web"]
    assert dockerfile_cmd() == expand_shell(web, dockerfile_env())


def _terraform_default(variables: list[dict], name: str) -> str:
    for block in variables:
        for key, body in block.items():
            if key.strip('"') == name:
                return str(body["default"])
    raise AssertionError(f"no variable {name}")


def test_ecs_runs_every_role_with_the_procfile_command():
    module = ROOT / "deploy/terraform/modules/vod"
    variables = hcl2.load((module / "variables.tf").open())["variable"]
    ecs_locals = {}
    for block in hcl2.load((module / "ecs.tf").open())["locals"]:
        ecs_locals.update(block)

    def resolve(text: str) -> str:
        text = text.strip('"')
        return re.sub(
            r"\$\{(?:tostring\()?var\.(\w+)\)?\}",
            lambda m: _terraform_default(variables, m[1]),
            text,
        )

    commands = ecs_locals["role_commands"]
    assert set(commands) == ROLES
    for role, command in procfile_roles().items():
        environment = {
            name.strip('"'): resolve(value)
            for name, value in ecs_locals["roles"][role]["environment"].items()
        }
        assert [resolve(arg) for arg in commands[role]] == expand_shell(
            command, environment
        ), role
