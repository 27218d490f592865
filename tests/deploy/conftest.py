"""The deployment files, parsed as their tools read them."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .commands import ROOT

OVERLAYS = sorted(
    p.name for p in (ROOT / "deploy/k8s/overlays").iterdir() if p.is_dir()
)


@pytest.fixture(scope="session")
def kubectl() -> str:
    """kubectl, whose built-in kustomize renders the overlays offline."""
    path = shutil.which("kubectl")
    if path is None:
        message = "kubectl is needed to render deploy/k8s (kubectl kustomize)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def rendered(kubectl) -> dict[str, list[dict]]:
    """Every overlay's manifests, as ``kubectl kustomize`` renders them."""
    documents = {}
    for overlay in OVERLAYS:
        result = subprocess.run(
            [kubectl, "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, f"{overlay} does not render:\n{result.stderr}"
        documents[overlay] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return documents


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load((ROOT / "deploy/compose.yaml").read_text())


def find(documents: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [
        doc
        for doc in documents
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def the(documents: list[dict], kind: str, name: str) -> dict:
    found = find(documents, kind, name)
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def terraform_files() -> list[Path]:
    return sorted((ROOT / "deploy/terraform").rglob("*.tf"))
