"""Observability: ``GET /metrics`` scraped and parsed as Prometheus does, request ids on
answers and problem documents, and structured JSON logs from a real ``oretrust serve``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api_support import ApiClient, origin_certificate, serve_home
from oretrust.api import create_app
from web_support import Credentials, make_credentials


@pytest.fixture
def creds(tmp_path: Path) -> Credentials:
    return make_credentials(tmp_path / "home")


@pytest.fixture
def client(creds: Credentials) -> Iterator[ApiClient]:
    app = ApiClient(create_app(creds.cast.settings()))
    yield app
    app.close()


def scrape(client: ApiClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``/metrics`` parsed: ``{(sample name, labels): value}``."""
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:  # fmt: skip
    return samples.get((name, frozenset(labels.items())), 0.0)


def verify(client: ApiClient, token: str) -> int:
    answer = client.post("/credentials/verify", json={"verifiableCredential": token})
    return answer.status_code


def test_verifications_are_counted_by_verdict_and_code_with_latency(
    client: ApiClient, creds: Credentials
) -> None:
    assert [verify(client, t) for t in (creds.genuine, creds.genuine, creds.revoked)] == [
        200, 200, 400,
    ]  # fmt: skip
    assert verify(client, creds.tampered) == 400
    samples = scrape(client)
    counted = "oretrust_verifications_total"
    assert value(samples, counted, kind="credential", verdict="VALID", code="OK") == 2
    assert value(samples, counted, kind="credential", verdict="REVOKED", code="REVOKED") == 1
    invalid = [k for k in samples if k[0] == counted and ("verdict", "INVALID") in k[1]]
    assert len(invalid) == 1 and samples[invalid[0]] == 1  # the tampered one, by its code
    latency = "oretrust_verification_duration_seconds_count"
    assert value(samples, latency, kind="credential") == 4
    requests = "oretrust_http_requests_total"
    route = {"method": "POST", "route": "/credentials/verify"}
    assert value(samples, requests, **route, status="200") == 2
    assert value(samples, requests, **route, status="400") == 2
    assert value(samples, "oretrust_http_request_duration_seconds_count",
                 route="/credentials/verify") == 4  # fmt: skip


def test_caches_lists_and_pool_are_read_at_scrape_time(
    client: ApiClient, creds: Credentials
) -> None:
    before = scrape(client)
    for _ in range(3):
        verify(client, creds.genuine)
    after = scrape(client)
    hits = "oretrust_cache_hits_total"
    assert value(after, hits, cache="status_lists") > value(before, hits, cache="status_lists")
    assert value(after, hits, cache="did_documents") > value(before, hits, cache="did_documents")
    ages = [v for (name, _), v in after.items() if name == "oretrust_status_list_age_seconds"]
    assert ages and all(0 <= age < 3600 for age in ages)
    assert ("oretrust_db_pool_connections", frozenset({("state", "checked_out")})) in after
    assert client.get("/trust-list").status_code == 200
    assert value(scrape(client), "oretrust_trust_list_age_seconds") >= 0
    assert ("oretrust_trust_list_age_seconds", frozenset()) in scrape(client)


def test_issuances_are_counted_by_type_and_outcome(client: ApiClient, creds: Credentials) -> None:
    ministry = creds.cast.auth("ministry")
    good = origin_certificate(creds.cast.holder_did)
    bad = origin_certificate(creds.cast.holder_did)
    bad["credentialSubject"]["countryOfOrigin"] = "XX"
    for document in (good, bad):
        client.post("/credentials/issue", json={"credential": document}, headers=ministry)
    weird = {**good, "type": ["VerifiableCredential", "x" * 500]}
    client.post("/credentials/issue", json={"credential": weird}, headers=ministry)
    samples = scrape(client)
    issued = "oretrust_issuances_total"
    kind = "MineralOriginCertificate"
    assert value(samples, issued, type=kind, outcome="issued") == 1
    assert value(samples, issued, type=kind, outcome="SCHEMA_VALIDATION_FAILED") == 1
    others = [k for k in samples if k[0] == issued and ("type", "other") in k[1]]
    assert len(others) == 1  # an unknown type is "other": a caller cannot grow the label set
    text = client.get("/metrics").text
    assert "ort_" not in text and "eyJ" not in text and "x" * 50 not in text


def test_a_request_id_is_answered_logged_and_quoted_in_problems(client: ApiClient) -> None:
    fresh = client.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "support-ticket-4711"})
    assert echoed.headers["x-request-id"] == "support-ticket-4711"
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b\tc" + "d" * 80})
    assert hostile.headers["x-request-id"] != "a b\tc" + "d" * 80
    problem = client.get("/schemas/NoSuchType", headers={"X-Request-ID": "rq-1"})
    assert problem.status_code == 404 and problem.json()["request_id"] == "rq-1"
    assert problem.headers["x-request-id"] == "rq-1"


def test_metrics_can_be_turned_off(creds: Credentials) -> None:
    app = ApiClient(create_app(creds.cast.settings(metrics=False)))
    try:
        answer = app.get("/metrics")
        assert answer.status_code == 404 and answer.json()["code"] == "NOT_FOUND"
    finally:
        app.close()


@pytest.mark.slow
def test_serve_logs_json_lines_with_the_request_id(creds: Credentials) -> None:
    """A real ``oretrust serve``: every line it logs is a JSON object with a level and a
    logger; the access line of a request carries its id; no token reaches the log."""
    folder = creds.cast.folder
    with serve_home(folder, log_level="info") as base:
        answer = httpx.post(
            f"{base}/credentials/verify",
            json={"verifiableCredential": creds.genuine},
            headers={"X-Request-ID": "trace-42", "Authorization": "Bearer ort_secret_x"},
        )
        assert answer.status_code == 200
        metrics = httpx.get(f"{base}/metrics").text
        assert 'oretrust_verifications_total{code="OK",kind="credential",verdict="VALID"} 1.0' in (
            metrics
        )
    log = next(folder.glob("serve-*.log")).read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line.get("request_id") == "trace-42" for line in lines)
    assert "ort_secret_x" not in log
