"""No input makes the service answer 5xx (or the CLI crash): each case an attacker found.

Every case runs against the real app (its lifespan, middleware and problem table) on SQLite
and, where the database matters, on PostgreSQL:

* JSON nested ~1,200 deep (just past Python's recursion limit) in every token position —
  vc+jwt, an enveloped credential or presentation, vp+jwt, the SD-JWT issuer part, a
  disclosure, the KB-JWT — fails a check with a stable code (HTTP 400 with the report);
* a NUL character or a lone surrogate in a path, a query or a JSON body string is a 400
  problem ``INVALID_CHARACTER`` (PostgreSQL cannot store NUL; no UTF-8 encodes a lone
  surrogate), before any route or database sees it;
* concurrent registry writers all succeed: the event log's ``seq`` is taken under a lock in
  the handled transaction, so the log stays contiguous and verifies;
* a time whose UTC instant falls outside the years 1 to 9999 is a 422; ``verify --at`` year 1
  is a verdict (exit 1) that changes nothing for later verifications;
* the data model reads only ASCII digits in a dateTimeStamp.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api_support import (
    MINISTRY,
    REGISTRY,
    ApiClient,
    Cast,
    make_cast,
    origin_certificate,
    postgres_schema,
)
from oretrust import registry
from oretrust.api import create_app
from oretrust.encoding import b64url_decode, b64url_encode, forbidden_character
from oretrust.formats.vc_jwt import sign_presentation
from oretrust.identities import signer_for
from oretrust.issuer import issue_sd_jwt_credential

PROBLEM = "application/problem+json"
NONCE, AUDIENCE = "n-no-5xx", "did:web:refinery.example"
SIGNATURE = b64url_encode(bytes(64))
DEPTH = 1_200  # past Python's recursion limit (1,000), well short of the 10,000 case
DEEP_OBJECT = '{"a":' * DEPTH + "1" + "}" * DEPTH
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def cast(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cast]:
    """The story's cast on each database engine (one per module and engine)."""
    folder = tmp_path_factory.mktemp(f"no5xx-{request.param}") / "home"
    if request.param == "sqlite":
        yield make_cast(folder)
        return
    with postgres_schema() as url:
        made = make_cast(folder, url)
        yield made
        made.home.engine.dispose()


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    """The app with app exceptions turned into responses, so a crash shows as a 500."""
    client = ApiClient(create_app(cast.settings()), raise_app_exceptions=False)
    yield client
    client.close()


@dataclass
class Genuine:
    """Real tokens of the cast, whose parts the hostile ones reuse."""

    credential: str
    sd_jwt: str


@pytest.fixture(scope="module")
def genuine(api: ApiClient, cast: Cast) -> Genuine:
    issued = api.post(
        "/credentials/issue",
        json={"credential": origin_certificate(cast.holder_did)},
        headers=cast.auth("ministry"),
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["verifiableCredential"]["id"].split(",", 1)[1]
    sd_jwt = issue_sd_jwt_credential(
        cast.home,
        issuer="ministry",
        type_name="MineralOriginCertificate",
        subject=origin_certificate(cast.holder_did)["credentialSubject"],
        holder=cast.holder_did,
        now=datetime.now(UTC),
    ).token
    return Genuine(credential, sd_jwt)


def _segment(text: str) -> str:
    return b64url_encode(text.encode())


def _forge(header: str, payload: str) -> str:
    """A compact JWS of exactly these header and payload texts, with a meaningless signature."""
    return f"{_segment(header)}.{_segment(payload)}.{SIGNATURE}"


def _parts(token: str) -> tuple[str, str]:
    header, payload, _ = token.split(".")
    return b64url_decode(header).decode(), b64url_decode(payload).decode()


def _deep_member(json_object: str, deep: str = DEEP_OBJECT) -> str:
    """``json_object`` (a JSON object text) with one more member nested ``DEPTH`` deep."""
    return json_object.rstrip()[:-1] + ', "x": ' + deep + "}"


def _presentation(cast: Cast, entries: list[str | tuple[str, str]]) -> str:
    """A vp+jwt the holder genuinely signs around ``entries`` (so its entries are reached)."""
    return sign_presentation(
        entries,
        signer_for(cast.home, cast.holder_did),
        holder=cast.holder_did,
        nonce=NONCE,
        audience=AUDIENCE,
        now=datetime.now(UTC),
    )


def _report(response: Any) -> dict[str, Any]:
    """A refused token's answer: HTTP 400 with the report itself (not a problem, not a 500)."""
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    report: dict[str, Any] = response.json()
    assert report["verified"] is False and report["verdict"] == "INVALID"
    return report


def _codes(report: dict[str, Any]) -> set[str]:
    """Every failure code of a report and of the credential reports nested in it."""
    codes = {error["code"] for error in report["errors"]}
    for nested in report.get("credentials", []):
        codes |= _codes(nested)
    return codes


# ------------------------------------------------- 1. JSON ~1,200 deep in every token position
def test_vc_jwt_nested_past_the_recursion_limit(api: ApiClient, genuine: Genuine) -> None:
    header, payload = _parts(genuine.credential)
    for token in (_forge(_deep_member(header), payload), _forge(header, DEEP_ARRAY)):
        response = api.post("/credentials/verify", json={"verifiableCredential": token})
        assert _codes(_report(response)) == {"TOKEN_TOO_DEEP"}


def test_enveloped_credential_nested_past_the_recursion_limit(
    api: ApiClient, genuine: Genuine
) -> None:
    header, payload = _parts(genuine.credential)
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt," + _forge(header, _deep_member(payload)),
    }
    response = api.post("/credentials/verify", json={"verifiableCredential": envelope})
    assert _codes(_report(response)) == {"TOKEN_TOO_DEEP"}


def test_vp_jwt_and_its_entries_nested_past_the_recursion_limit(
    api: ApiClient, cast: Cast, genuine: Genuine
) -> None:
    header, payload = _parts(genuine.credential)
    deep_entry = _forge(header, _deep_member(payload, DEEP_ARRAY))
    vp_header, vp_payload = _parts(_presentation(cast, [genuine.credential]))
    tokens = {
        "vp header": _forge(_deep_member(vp_header), vp_payload),
        "vp payload": _forge(vp_header, _deep_member(vp_payload)),
        "enveloped entry": _presentation(cast, [deep_entry]),
    }
    options = {"challenge": NONCE, "domain": AUDIENCE}
    for where, token in tokens.items():
        body = {"verifiablePresentation": token, "options": options}
        codes = _codes(_report(api.post("/presentations/verify", json=body)))
        assert "TOKEN_TOO_DEEP" in codes, (where, codes)
        assert "CHECK_ERROR" not in codes, where
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiablePresentation",
        "id": "data:application/vp+jwt," + tokens["vp payload"],
    }
    body = {"verifiablePresentation": envelope, "options": options}
    assert "TOKEN_TOO_DEEP" in _codes(_report(api.post("/presentations/verify", json=body)))


def test_sd_jwt_parts_nested_past_the_recursion_limit(api: ApiClient, genuine: Genuine) -> None:
    jwt, _, disclosures = genuine.sd_jwt.partition("~")
    header, payload = _parts(jwt)
    deep_disclosure = _segment('["salt", "lotId", ' + DEEP_ARRAY + "]")
    tokens = {
        "issuer header": _forge(_deep_member(header), payload) + "~" + disclosures,
        "issuer payload": _forge(header, _deep_member(payload)) + "~" + disclosures,
        "disclosure": jwt + "~" + deep_disclosure + "~" + disclosures,
    }
    for where, token in tokens.items():
        response = api.post("/credentials/verify", json={"verifiableCredential": token})
        codes = _codes(_report(response))
        assert codes & {"SD_JWT_TOO_DEEP", "TOKEN_TOO_DEEP", "DISCLOSURE_MALFORMED"}, (where, codes)
        assert "CHECK_ERROR" not in codes, where


def test_kb_jwt_nested_past_the_recursion_limit(api: ApiClient, genuine: Genuine) -> None:
    iat = int(datetime.now(UTC).timestamp())
    claims = json.dumps({"iat": iat, "aud": AUDIENCE, "nonce": NONCE, "sd_hash": "x"})
    kb_header = '{"typ": "kb+jwt", "alg": "EdDSA"}'
    options = {"challenge": NONCE, "domain": AUDIENCE}
    cases = {  # the payload is read only once the (forged) signature verified
        _forge(_deep_member(kb_header), claims): "SD_JWT_TOO_DEEP",
        _forge(kb_header, _deep_member(claims)): "KB_JWT_SIGNATURE_INVALID",
    }
    for kb_jwt, code in cases.items():
        body = {"verifiablePresentation": genuine.sd_jwt + kb_jwt, "options": options}
        assert _codes(_report(api.post("/presentations/verify", json=body))) == {code}


# ------------------------------------------ 2. NUL characters (PostgreSQL cannot store them)
def _query() -> dict[str, Any]:
    return {
        "entity_id": MINISTRY,
        "authority_id": REGISTRY,
        "action": "issue:MineralOriginCertificate",
        "resource": "CD",
    }


def _refused_character(response: Any) -> None:
    assert response.status_code == 400, response.text[:500]
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "INVALID_CHARACTER"


NUL_GETS = [
    ("/status/a%00-revocation", None),
    ("/registry/history?entity_id=did:web:a%00", "auditor"),
    ("/registry/history?subject=urn:uuid:%00", "auditor"),
    ("/revocations/log?credential_id=urn:uuid:%00", "auditor"),
    ("/credentials?type=Mineral%00", "ministry"),
    ("/credentials?since=2026-01-01T00:00:00Z%00", "ministry"),
    ("/issuers/minis%00try/did.json", None),
    ("/schemas/Mineral%00OriginCertificate", None),
]


@pytest.mark.parametrize(("path", "who"), NUL_GETS, ids=[path for path, _ in NUL_GETS])
def test_a_nul_in_a_path_or_query_is_a_400(
    api: ApiClient, cast: Cast, path: str, who: str | None
) -> None:
    _refused_character(api.get(path, headers=cast.auth(who) if who else {}))


def _nul_posts(cast: Cast) -> list[tuple[str, dict[str, Any], str | None]]:
    """(path, body, token) of each POST with a NUL in one string."""
    query = _query()
    change = {"reason": "test"}
    return [
        ("/authorization", {**query, "entity_id": MINISTRY + "\x00"}, None),
        ("/recognition", {**query, "action": "accredit:\x00"}, None),
        ("/authorization", {**query, "context": {"time": "2026-01-01T00:00:00Z\x00"}}, None),
        (
            "/credentials/status",
            {"credentialId": "urn:uuid:\x00", "action": "revoke", "reason": "test"},
            "ministry",
        ),
        ("/registry/accreditations/urn:uuid:a%00b/withdraw", change, "admin"),
        ("/registry/accreditations/urn:uuid:a%00b/suspend", change, "admin"),
        ("/registry/accreditations/urn:uuid:a%00b/reinstate", change, "admin"),
        ("/registry/accreditations/urn:uuid:ab/withdraw", {"reason": "a\x00"}, "admin"),
        (
            "/registry/accreditations",
            {
                "entity_id": MINISTRY,
                "credential_type": "MineralOriginCertificate",
                "jurisdiction": "CD",
                "reason": "\x00",
            },
            "admin",
        ),
        (
            "/registry/recognitions",
            {"entity_id": MINISTRY + "\x00", "action": "accredit:X", "resource": "CD"},
            "admin",
        ),
        (
            "/credentials/issue",
            {
                "credential": origin_certificate(
                    cast.holder_did, validUntil="2030-01-01T00:00:00Z\x00"
                )
            },
            "ministry",
        ),
        ("/credentials/verify", {"verifiableCredential": "a.b.c\x00"}, None),
    ]


def test_a_nul_in_a_post_is_a_400_on_every_operation(api: ApiClient, cast: Cast) -> None:
    for path, body, who in _nul_posts(cast):
        response = api.post(path, json=body, headers=cast.auth(who) if who else {})
        _refused_character(response)


def test_a_nul_inside_a_token_is_a_malformed_token(api: ApiClient, genuine: Genuine) -> None:
    """base64url hides a NUL from the body scan: the token's own JSON reader refuses it."""
    header, payload = _parts(genuine.credential)
    claims = json.loads(payload)
    entry = claims["credentialStatus"][0]
    entry["statusListCredential"] = entry["statusListCredential"].replace("-rev", "\x00-rev")
    token = _forge(header, json.dumps(claims))
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    assert _codes(_report(response)) == {"MALFORMED_TOKEN"}


# ------------------------------------------------- 3. lone surrogates (no UTF-8 form exists)
def _post_raw(api: ApiClient, path: str, text: str, headers: dict[str, str]) -> Any:
    """POST a JSON text as is (``json.dumps`` writes a lone surrogate as ``\\ud800``)."""
    return api.post(
        path, content=text.encode(), headers={**headers, "content-type": "application/json"}
    )


def test_a_lone_surrogate_in_an_issued_credential_is_a_400(api: ApiClient, cast: Cast) -> None:
    document = origin_certificate(cast.holder_did)
    cases = [
        {**document, "validUntil": "2030-01-01T00:00:00Z\ud800"},
        {**document, "x\ud800": 1},
        {**document, "name": "\udc00 lot"},
        {**document, "credentialSubject": {**document["credentialSubject"], "lotId": "\ud800"}},
    ]
    for credential in cases:
        text = json.dumps({"credential": credential})
        response = _post_raw(api, "/credentials/issue", text, cast.auth("ministry"))
        _refused_character(response)
    subject = document["credentialSubject"]
    exporter = {**subject["exporter"], "name": "Kivu Minerals \U0001f600"}
    pair = json.dumps(
        {"credential": {**document, "credentialSubject": {**subject, "exporter": exporter}}}
    )
    assert "\\ud83d\\ude00" in pair  # a proper pair of escapes is a character, and issues
    assert _post_raw(api, "/credentials/issue", pair, cast.auth("ministry")).status_code == 201


def test_a_lone_surrogate_in_a_query_body_or_token_is_refused(
    api: ApiClient, genuine: Genuine
) -> None:
    text = json.dumps({**_query(), "entity_id": MINISTRY + "\ud800"})
    _refused_character(_post_raw(api, "/authorization", text, {}))
    header, payload = _parts(genuine.credential)
    kid = json.loads(header)["kid"]
    token = _forge(json.dumps({**json.loads(header), "kid": kid + "\ud800"}), payload)
    response = api.post("/credentials/verify", json={"verifiableCredential": token})
    assert _codes(_report(response)) == {"MALFORMED_TOKEN"}


def test_a_body_of_undecodable_utf8_is_not_a_server_error(api: ApiClient) -> None:
    """A surrogate's UTF-8-like bytes (ED A0 80) are not UTF-8: the JSON parser refuses them."""
    body = b'{"entity_id": "\xed\xa0\x80", "authority_id": "a", "action": "b", "resource": "CD"}'
    response = api.post(
        "/authorization", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"] == PROBLEM


def test_a_problem_whose_detail_holds_a_lone_surrogate_still_renders() -> None:
    from oretrust.api.problems import problem_response
    from oretrust.errors import InputError

    response = problem_response(InputError("no issuer 'x\ud800'"))
    assert response.status_code == 400
    assert json.loads(response.body)["detail"] == "no issuer 'x\ud800'"


_PIECES = ["a", "é", '\\"', "\\\\", "\\u0000", "\\ud800", "\\udbff", "\\udc00", "\\u0041", "\\n"]


@given(st.lists(st.sampled_from(_PIECES), max_size=8))
@settings(max_examples=300, deadline=None, database=None)
def test_forbidden_character_agrees_with_what_the_parser_reads(pieces: list[str]) -> None:
    """The escape scan finds a NUL or a lone surrogate exactly when the decoded string has
    one (a string with a lone surrogate is the one UTF-8 cannot encode)."""
    text = '"' + "".join(pieces) + '"'
    value = json.loads(text)
    try:
        value.encode("utf-8")
        expected = "\x00" in value
    except UnicodeEncodeError:
        expected = True
    assert (forbidden_character(text) is not None) is expected, text


# ------------------------------------------- 4. concurrent registry writers (registry_event.seq)
WRITERS, WRITES = 8, 10


def test_concurrent_accreditations_all_succeed_and_the_log_verifies(
    api: ApiClient, cast: Cast
) -> None:
    """Eight clients accrediting at once (the app runs each request in its own thread): every
    request is a 201, the log's ``seq`` stays contiguous and the log verifies."""
    statuses: list[int] = []

    def writer(number: int) -> None:
        for write in range(WRITES):
            body = {
                "entity_id": f"did:web:writer-{number}-{write}.example",
                "credential_type": "MineralOriginCertificate",
                "jurisdiction": "CD",
            }
            response = api.post("/registry/accreditations", json=body, headers=cast.auth("admin"))
            statuses.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == {201: WRITERS * WRITES}
    events = registry.history(cast.home)
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    verification = registry.verify_log(cast.home)
    assert verification.ok, verification.problems


def test_concurrent_duplicate_accreditations_grant_exactly_one(api: ApiClient, cast: Cast) -> None:
    """The "already accredited" rule is judged under the same lock: of eight identical
    requests at once one is granted, the others are 409 ``ALREADY_ACCREDITED``."""
    body = {
        "entity_id": "did:web:duplicate.example",
        "credential_type": "MineralOriginCertificate",
        "jurisdiction": "CD",
    }
    answers: list[Any] = []

    def writer() -> None:
        answers.append(api.post("/registry/accreditations", json=body, headers=cast.auth("admin")))

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(answer.status_code for answer in answers) == {201: 1, 409: WRITERS - 1}
    refused = {answer.json()["code"] for answer in answers if answer.status_code == 409}
    assert refused == {"ALREADY_ACCREDITED"}
    held = registry.list_accreditations(cast.home, entity_id=body["entity_id"])
    assert len(held) == 1


# ------------------------------------------- 5. times outside the calendar, non-ASCII digits
EDGE_TIMES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"]


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_a_time_outside_the_utc_calendar_is_a_422(api: ApiClient, cast: Cast, moment: str) -> None:
    """Each is a valid RFC 3339 text whose UTC instant is in year 10000 or year 0."""
    query = {**_query(), "context": {"time": moment}}
    grant = {"entity_id": "did:web:edge.example", "credential_type": "MineralOriginCertificate"}
    recognition = {"entity_id": "did:web:edge.example", "action": "accredit:X", "resource": "CD"}
    calls = [
        ("/authorization", query, None),
        ("/recognition", query, None),
        (
            "/registry/accreditations",
            {**grant, "jurisdiction": "CD", "valid_from": moment},
            "admin",
        ),
        (
            "/registry/accreditations",
            {**grant, "jurisdiction": "CD", "valid_until": moment},
            "admin",
        ),
        ("/registry/recognitions", {**recognition, "valid_until": moment}, "admin"),
        (
            "/registry/accreditations/urn:uuid:x/suspend",
            {"reason": "r", "effective": moment},
            "admin",
        ),
    ]
    for path, body, who in calls:
        response = api.post(path, json=body, headers=cast.auth(who) if who else {})
        assert response.status_code == 422, (path, response.text[:300])
        assert response.headers["content-type"] == PROBLEM
    since = api.get("/credentials", params={"since": moment}, headers=cast.auth("ministry"))
    assert since.status_code == 400 and since.json()["code"] == "INVALID_TIME", since.text
    for member in ("validFrom", "validUntil"):
        document = origin_certificate(cast.holder_did, **{member: moment})
        issued = api.post(
            "/credentials/issue", json={"credential": document}, headers=cast.auth("ministry")
        )
        assert issued.status_code == 422, issued.text[:300]


@pytest.mark.parametrize(
    "stamp",
    [
        "\u0662\u0660\u0663\u0660-01-01T00:00:00Z",
        "\uff12\uff10\uff13\uff10-01-01T00:00:00Z",
        "2030-01-01T00:00:00+\u0660\u0661:\u0660\u0660",
    ],
    ids=["arabic-indic", "full-width", "arabic-indic-offset"],
)
def test_dates_in_non_ascii_digits_fail_the_data_model(
    api: ApiClient, cast: Cast, stamp: str
) -> None:
    from oretrust.errors import DataModelError
    from oretrust.formats.vcdm import parse_datetime_stamp

    with pytest.raises(DataModelError):
        parse_datetime_stamp(stamp)
    document = origin_certificate(cast.holder_did, validUntil=stamp)
    response = api.post(
        "/credentials/issue", json={"credential": document}, headers=cast.auth("ministry")
    )
    assert response.status_code == 422, response.text[:300]
    assert response.json()["rule"] == "datetime-format"


@pytest.mark.slow  # CLI processes: behind the marker .ci/run also runs
def test_verify_at_year_1_is_a_verdict_and_breaks_nothing(
    api: ApiClient, cast: Cast, genuine: Genuine, tmp_path: Path
) -> None:
    """``verify --at`` at the calendar's first minute (and last second) exits 1 with a report
    whose checks all ran (no CHECK_ERROR from date arithmetic); a time whose UTC instant is
    before year 1 is a usage error (exit 2); afterwards the credential verifies now, and the
    service still serves its status list and verifies it."""
    token_file = tmp_path / "origin.jwt"
    token_file.write_text(genuine.credential + "\n", encoding="utf-8")
    verify = ["verify", str(token_file), "--home", str(cast.folder)]
    for at in ("0001-01-01T00:00:59Z", "9999-12-31T23:59:59Z"):
        result = _oretrust(cast, *verify, "--at", at, "--json")
        assert result.returncode == 1, result.stdout[-1000:] + result.stderr[-2000:]
        assert "CHECK_ERROR" not in _codes(json.loads(result.stdout)), result.stdout
    result = _oretrust(cast, *verify, "--at", EDGE_TIMES[1])
    assert result.returncode == 2, result.stderr[-2000:]
    assert "INVALID_TIME" in result.stderr and "Traceback" not in result.stderr
    result = _oretrust(cast, *verify, "--json")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    claims = json.loads(_parts(genuine.credential)[1])
    status_url = claims["credentialStatus"][0]["statusListCredential"]
    assert api.get("/status/" + status_url.rsplit("/", 1)[1]).status_code == 200
    verified = api.post("/credentials/verify", json={"verifiableCredential": genuine.credential})
    assert verified.status_code == 200, verified.text[:500]


def _oretrust(cast: Cast, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m oretrust ARGS`` on the cast's database (``ORETRUST_DATABASE_URL`` for
    PostgreSQL), without the caller's other ``ORETRUST_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORETRUST_")}
    if cast.database_url:
        env["ORETRUST_DATABASE_URL"] = cast.database_url
    return subprocess.run(
        [sys.executable, "-m", "oretrust", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
