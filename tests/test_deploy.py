"""deploy/: the Kubernetes manifests validate against the Kubernetes JSON schemas (bundled by
kubernetes-validate, offline), the Dockerfile and compose file say what the guide says, and
the production start command — the Deployment's own command and args, and the migration
Job's — runs here against PostgreSQL, with the keys read from one mounted folder
(``ORETRUST_KEYS_DIR``) by every worker, not from the home's ``keys/``."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from api_support import free_port, make_cast, origin_certificate
from conftest import REPO_ROOT
from oretrust.home import Home

DEPLOY = REPO_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
K8S_VERSION = "1.30"  # the oldest Kubernetes the manifests are written for


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return found


DOCUMENTS = _documents()


def _kind(kind: str) -> dict[str, Any]:
    matches = [doc for _, doc in DOCUMENTS if doc["kind"] == kind]
    assert len(matches) == 1, kind
    return matches[0]


def _container(kind: str) -> dict[str, Any]:
    spec = _kind(kind)["spec"]
    pod = spec["jobTemplate"]["spec"]["template"] if kind == "CronJob" else spec["template"]
    containers: list[dict[str, Any]] = pod["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


@pytest.mark.parametrize(
    "document", [d for _, d in DOCUMENTS], ids=[f"{n}:{d['kind']}" for n, d in DOCUMENTS]
)
def test_manifest_validates_against_the_kubernetes_schema(document: dict[str, Any]) -> None:
    """Strict schemas: an unknown or misspelt field is an error, and so is an unknown kind."""
    assert kubernetes_validate.validate(document, K8S_VERSION, strict=True) == K8S_VERSION


def test_the_validator_can_fail() -> None:
    """A misspelt probe field and a probe port of the wrong type are both refused."""
    deployment = copy.deepcopy(_kind("Deployment"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": [8000]}}
    del container["livenesProbe"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


def test_every_part_the_deployment_needs_is_there() -> None:
    kinds = {doc["kind"] for _, doc in DOCUMENTS}
    assert {
        "Deployment", "Service", "HorizontalPodAutoscaler", "Job", "Secret",
        "PodDisruptionBudget",
    } <= kinds  # fmt: skip
    listed = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"]
    assert all((KUBERNETES / name).is_file() for name in listed)
    assert "secrets.yaml" not in listed  # secrets are made from files, never applied from git
    container = _container("Deployment")
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    pod = _kind("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert _container("Job")["command"] == ["oretrust", "db", "upgrade"]
    hpa = _kind("HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == _kind("Deployment")["metadata"]["name"]
    assert hpa["minReplicas"] >= 2
    labels = _kind("Deployment")["spec"]["template"]["metadata"]["labels"]
    for kind in ("PodDisruptionBudget",):
        assert _kind(kind)["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert _kind("Service")["spec"]["selector"].items() <= labels.items()


def test_secrets_hold_keys_passphrase_and_database_url_and_are_all_referenced() -> None:
    secrets = {doc["metadata"]["name"]: doc for _, doc in DOCUMENTS if doc["kind"] == "Secret"}
    env = {e["name"]: e for e in _container("Deployment")["env"]}
    for variable in ("ORETRUST_DATABASE_URL", "ORETRUST_KEY_PASSPHRASE"):
        ref = env[variable]["valueFrom"]["secretKeyRef"]
        assert ref["key"] in secrets[ref["name"]]["stringData"], variable
    volumes = {v["name"]: v for v in _kind("Deployment")["spec"]["template"]["spec"]["volumes"]}
    keys_volume = volumes["keys"]["secret"]["secretName"]
    assert keys_volume in secrets
    mounts = {m["name"]: m for m in _container("Deployment")["volumeMounts"]}
    assert mounts["keys"]["readOnly"] is True
    assert env["ORETRUST_KEYS_DIR"]["value"] == mounts["keys"]["mountPath"]


def test_dockerfile_is_slim_non_root_with_a_healthcheck_and_the_deployment_command() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert bases and all(base.startswith("python:3.11-slim") for base in bases)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in _healthcheck(text)
    command = yaml.safe_load(re.findall(r"^CMD\s+(.+)$", text, re.MULTILINE)[-1])
    container = _container("Deployment")
    assert command == container["command"] + container["args"]
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "**" in ignore.splitlines()  # nothing but the package reaches the build (no keys/)


def test_compose_runs_the_app_on_postgres_after_migrating() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    app = services["app"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["oretrust", "db", "upgrade"]
    container = _container("Deployment")
    assert app["command"] == container["command"] + container["args"]
    assert app["environment"]["ORETRUST_KEYS_DIR"] == "/run/secrets/oretrust-keys"
    assert any(v.endswith(":/run/secrets/oretrust-keys:ro") for v in app["volumes"])
    example = (DEPLOY / "oretrust.env.example").read_text()
    assert "ORETRUST_DATABASE_URL=postgresql+psycopg://" in example
    assert "oretrust.env" in (DEPLOY / ".gitignore").read_text().split()


def _healthcheck(dockerfile: str) -> str:
    joined = dockerfile.replace("\\\n", " ")
    line = next(x for x in joined.splitlines() if x.startswith("HEALTHCHECK"))
    return line.split("CMD", 1)[1].strip()


def _local(command: list[str], *, port: int) -> list[str]:
    """A manifest's command as run here: the package's interpreter, loopback, ``port``."""
    assert command[0] == "oretrust"
    local = [sys.executable, "-m", "oretrust", *command[1:]]
    for option, value in (("--host", "127.0.0.1"), ("--port", str(port))):
        if option in local:
            local[local.index(option) + 1] = value
    return local


@contextmanager
def _started(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=output)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _environment(**values: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    return environment | values


@pytest.mark.slow  # processes or served homes: behind the marker .ci/run also runs
@pytest.mark.postgres
def test_production_start_command_on_postgres_with_keys_from_one_folder(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migration Job's command, then the Deployment's ``serve`` (two workers) on a
    replica's empty home: ready, healthy by the Dockerfile's own HEALTHCHECK, and it issues
    with a key it reads from ``ORETRUST_KEYS_DIR`` — the replica has no ``keys/``."""
    keys, replica = tmp_path / "secret-keys", tmp_path / "replica"
    env = _environment(
        ORETRUST_DATABASE_URL=postgres_url, ORETRUST_KEYS_DIR=str(keys),
        ORETRUST_HOME=str(replica), ORETRUST_KEY_PASSPHRASE="correct horse",
    )  # fmt: skip
    migrate = subprocess.run(
        _local(_container("Job")["command"], port=0), env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr
    monkeypatch.setenv("ORETRUST_KEYS_DIR", str(keys))  # the operator's admin home writes them
    monkeypatch.setenv("ORETRUST_KEY_PASSPHRASE", "correct horse")
    cast = make_cast(tmp_path / "admin", database_url=postgres_url)
    cast.home.engine.dispose()
    assert list(keys.glob("*.pem")) and not (tmp_path / "admin" / "keys").exists()
    container = _container("Deployment")
    port = free_port()
    command = _local(container["command"] + container["args"], port=port)
    assert command[command.index("--workers") + 1] == "2"
    base = f"http://127.0.0.1:{port}"
    with _started(command, env, tmp_path / "serve.log"):
        _wait_ready(base, tmp_path / "serve.log")
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz").status_code == 200
        probe = yaml.safe_load(_healthcheck((DEPLOY / "Dockerfile").read_text()))
        assert probe[:2] == ["python", "-c"]
        script = probe[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert subprocess.run([sys.executable, "-c", script], timeout=30).returncode == 0
        for _ in range(4):  # several requests: each worker signs with the mounted key
            issued = httpx.post(
                f"{base}/credentials/issue", headers=cast.auth("ministry"), timeout=30,
                json={"credential": origin_certificate(cast.holder_did)},
            )  # fmt: skip
            assert issued.status_code in (200, 201), issued.text
    assert not (replica / "keys").exists()


def _wait_ready(base: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the production command did not become ready: {log.read_text()[-2000:]}")


def test_home_reads_its_keys_from_oretrust_keys_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two homes (two machines) on one key folder: a key made by one signs on the other."""
    shared = tmp_path / "mounted-secret"
    monkeypatch.setenv("ORETRUST_KEYS_DIR", str(shared))
    first = Home.open(tmp_path / "one")
    name, key = first.keys.create()
    assert first.keys.folder == shared.resolve() and (shared / f"{name}.pem").is_file()
    assert Home.keys_folder(tmp_path / "two") == shared.resolve()
    second = Home.open(tmp_path / "two")
    assert second.keys.signer(name, "k").public_jwk == first.keys.signer(name, "k").public_jwk
    assert second.keys.load(name).public_key() == key.public_key()
    monkeypatch.delenv("ORETRUST_KEYS_DIR")
    assert Home.open(tmp_path / "three").keys.folder == (tmp_path / "three" / "keys").resolve()


_PEM_PRIVATE = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\s")


def test_no_tracked_file_holds_private_key_material() -> None:
    """Templates show the shape of a secret with placeholders, never PEM armour a scanner
    (or a careless copy) would take for a key; the real keys come from files at deploy time."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    holding = [
        name.decode()
        for name in tracked
        if name
        and (REPO_ROOT / name.decode()).is_file()
        and _PEM_PRIVATE.search((REPO_ROOT / name.decode()).read_bytes())
    ]
    assert holding == []
