"""Commands of the runtime roles, read from each place that runs them and
reduced to one comparable form: an argument list with variables filled in."""

import json
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# ${VAR} or ${VAR:-default}, as the shell (Procfile) expands them.
SHELL_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}")
# $(VAR), as Kubernetes expands them in a container's command and args.
KUBERNETES_VARIABLE = re.compile(r"\$\((?P<name>\w+)\)")


def procfile_roles() -> dict[str, str]:
    roles = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            role, command = line.split(":", 1)
            roles[role.strip()] = command.strip()
    return roles


def expand_shell(command: str, environment: dict[str, str]) -> list[str]:
    """The Procfile's command as the shell runs it with ``environment``."""

    def value(match: re.Match) -> str:
        name, default = match["name"], match["default"]
        if environment.get(name):
            return environment[name]
        assert default is not None, f"${{{name}}} has no value and no default"
        return default

    return shlex.split(SHELL_VARIABLE.sub(value, command))


def expand_kubernetes(arguments: list[str], environment: dict[str, str]) -> list[str]:
    """A container's args as the kubelet runs them with ``environment``."""

    def value(match: re.Match) -> str:
        name = match["name"]
        assert name in environment, f"$({name}) is not in the container's env"
        return environment[name]

    return [KUBERNETES_VARIABLE.sub(value, argument) for argument in arguments]


def dockerfile_instruction(name: str) -> str:
    """The last ``name`` instruction of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = [
        line.split(None, 1)[1]
        for line in text.splitlines()
        if line.split(None, 1)[:1] == [name]
    ]
    assert found, f"the Dockerfile has no {name}"
    return found[-1]


def dockerfile_cmd() -> list[str]:
    return json.loads(dockerfile_instruction("CMD"))


def dockerfile_env() -> dict[str, str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    environment = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                environment[name] = value
    return environment
