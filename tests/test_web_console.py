"""The issuer console and the registry-admin view in-process (the real app, lifespan
included): login and logout, the cookie's attributes, role separation, CSRF refusals that
change nothing, the issue form generated from the type's JSON Schema with an error on each
bad field and the form kept filled, issue → list → revoke with confirmation → the public
verify page says REVOKED, the revocation log and the key-compromise count, and
accredit / withdraw in the registry view."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_support import CUSTOMS, MINISTRY, ApiClient, Cast, make_cast
from oretrust import registry
from oretrust.api.audit import list_audit
from oretrust.credentials import EXAMPLES, get_credential_type
from oretrust.issuer import list_issued
from oretrust.status.log import list_log
from oretrust.web.console.forms import SubjectForm, field_name
from oretrust.web.console.issue_pages import offered_types
from web_support import external_urls

ORIGIN = "MineralOriginCertificate"


@pytest.fixture(scope="module")
def cast(tmp_path_factory: pytest.TempPathFactory) -> Cast:
    return make_cast(tmp_path_factory.mktemp("console"))


@pytest.fixture(scope="module")
def api(cast: Cast) -> Iterator[ApiClient]:
    client = cast.client()
    yield client
    client.close()


def _cookies(api: ApiClient) -> httpx.Cookies:
    return api._client.cookies  # the in-process browser's cookie jar


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no hidden {name} in the page"
    return html.unescape(found.group(1))


def login(api: ApiClient, token: str, **extra: str) -> httpx.Response:
    """A fresh browser (no cookies) signing in with ``token``."""
    _cookies(api).clear()
    form = api.get("/console/login")
    data = {"token": token, "login_nonce": _hidden(form.text, "login_nonce"), "lang": "en"}
    return api.post("/console/login", data={**data, **extra})


def signed_in(api: ApiClient, cast: Cast, who: str) -> str:
    """Sign in as ``who``; the CSRF token of the session."""
    answer = login(api, cast.tokens[who])
    assert answer.status_code == 303, answer.text[:500]
    landing = api.get(answer.headers["location"])
    assert landing.status_code == 200, landing.text[:500]
    return _hidden(landing.text, "csrf")


def example_form(holder: str, **changes: str) -> dict[str, list[str]]:
    """The origin certificate form filled with the type's example, the exporter ``holder``."""
    form = SubjectForm(get_credential_type(ORIGIN))
    values = form.values_of(EXAMPLES[ORIGIN])
    fields = {field_name(p): list(v) if isinstance(v, tuple) else [v] for p, v in values.items()}
    fields["s.exporter.id"] = [holder]
    for name, value in changes.items():
        fields[name] = [value]
    return fields


def issue(api: ApiClient, csrf: str, fields: dict[str, Any], **head: str) -> httpx.Response:
    data = {"csrf": csrf, "lang": "en", "type": ORIGIN, "format": "vc+jwt", **head}
    data.update(fields)
    return api.post("/console/issuer/issue", data=data)


def _verdict(api: ApiClient, token: str) -> str:
    page = api.post("/verify", data={"token": token})
    found = re.findall(r'data-verdict="([A-Z_]+)"', page.text)
    assert found, page.text[:1000]
    return found[0]


def _error_of(page: str, dom_id: str) -> str:
    found = re.search(rf'id="{re.escape(dom_id)}-error">([^<]*)<', page)
    assert found, f"no error on {dom_id}"
    return html.unescape(found.group(1))


def _issued_count(cast: Cast) -> int:
    return len(list_issued(cast.home, issuer=MINISTRY))


# ---------------------------------------------------------------------------- login
def test_login_page_headers_and_wrong_tokens(api: ApiClient, cast: Cast) -> None:
    page = api.get("/console/login")
    assert page.status_code == 200 and 'type="password"' in page.text
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("style-src")[0]
    assert page.headers["cache-control"] == "no-store"
    assert external_urls(page.text) == []
    nonce_cookie = page.headers["set-cookie"]
    assert "HttpOnly" in nonce_cookie and "SameSite=strict" in nonce_cookie
    for token in ("ort_nope", cast.tokens["expired"], cast.tokens["revoked"], ""):
        refused = login(api, token)
        assert refused.status_code == 401
        assert "This token was not accepted" in refused.text
        assert "oretrust_console=" not in refused.headers.get("set-cookie", "")
    assert api.get("/console/issuer").status_code == 303  # still signed out


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(api: ApiClient, cast: Cast) -> None:
    answer = login(api, cast.tokens["ministry"])
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/issuer")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "oretrust_console=" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    assert api.get("/console").headers["location"].startswith("/console/issuer")
    page = api.get("/console/issuer")
    assert "Ministère des Mines" in page.text and cast.tokens["ministry"] not in page.text
    refused = api.post("/console/logout", data={"csrf": "wrong"})
    assert refused.status_code == 403 and api.get("/console/issuer").status_code == 200
    out = api.post("/console/logout", data={"csrf": _hidden(page.text, "csrf"), "lang": "en"})
    assert out.status_code == 303 and "bye=1" in out.headers["location"]
    assert "You are signed out" in api.get(out.headers["location"]).text
    assert api.get("/console/issuer").status_code == 303


def test_the_cookie_is_secure_over_https(api: ApiClient, cast: Cast) -> None:
    _cookies(api).clear()
    form = api.get("https://testserver/console/login")
    answer = api.post(
        "https://testserver/console/login",
        data={"token": cast.tokens["admin"], "login_nonce": _hidden(form.text, "login_nonce")},
    )
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "oretrust_console=" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_a_login_post_without_the_form_nonce_is_refused(api: ApiClient, cast: Cast) -> None:
    _cookies(api).clear()
    answer = api.post("/console/login", data={"token": cast.tokens["ministry"]})
    assert answer.status_code == 403 and "oretrust_console=" not in str(answer.headers)


def test_roles_see_only_their_own_pages(api: ApiClient, cast: Cast) -> None:
    _cookies(api).clear()
    assert api.get("/console/issuer").headers["location"].startswith("/console/login")
    assert api.get("/console/registry").status_code == 303
    signed_in(api, cast, "ministry")
    for path in ("/console/registry", "/console/registry/accredit"):
        refused = api.get(path)
        assert refused.status_code == 403 and "does not open this page" in refused.text
    signed_in(api, cast, "admin")
    assert api.get("/console").headers["location"].startswith("/console/registry")
    for path in ("/console/issuer", "/console/issuer/issue", "/console/issuer/log"):
        assert api.get(path).status_code == 403
    auditor = login(api, cast.tokens["auditor"])
    assert auditor.status_code == 403 and "oretrust_console=" not in str(auditor.headers)


def test_a_token_revoked_after_login_ends_the_session(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from oretrust.api.tokens import revoke_token

    cast = make_cast(tmp_path)
    with_client = cast.client()
    try:
        signed_in(with_client, cast, "ministry")
        revoke_token(cast.home, cast.token_ids["ministry"], now=datetime.now(UTC))
        assert with_client.get("/console/issuer").status_code == 303
    finally:
        with_client.close()


# ---------------------------------------------------------------------------- CSRF
def test_posts_without_or_with_a_wrong_csrf_token_change_nothing(
    api: ApiClient, cast: Cast
) -> None:
    csrf = signed_in(api, cast, "ministry")
    done = issue(api, csrf, example_form(cast.holder_did))
    credential_id = re.search(r'id="credential-id">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    before, log_before = _issued_count(cast), len(list_log(cast.home))
    other = signed_in(api, cast, "ministry")  # a second login: another session, another token
    assert other != csrf
    posts = [
        ("/console/issuer/issue", {"type": ORIGIN, **example_form(cast.holder_did)}),
        ("/console/issuer/status/apply", {"id": credential_id, "action": "revoke", "reason": "x"}),
        ("/console/issuer/status/review", {"id": credential_id, "action": "revoke", "reason": "x"}),
    ]
    for path, data in posts:
        for sent in ({}, {"csrf": "0" * 64}, {"csrf": csrf}):  # csrf: the other session's
            answer = api.post(path, data={**data, **sent})
            assert answer.status_code == 403, (path, sent)
            assert "nothing was changed" in answer.text
    assert _issued_count(cast) == before and len(list_log(cast.home)) == log_before
    status = {row.id: row.status for row in list_issued(cast.home, issuer=MINISTRY)}
    assert status[credential_id] == "valid"
    signed_in(api, cast, "admin")
    accreditations = len(registry.list_accreditations(cast.home))
    data = {"entity": CUSTOMS, "types": "MiningLicenceCredential", "jurisdiction": "CD"}
    assert api.post("/console/registry/accredit", data=data).status_code == 403
    assert len(registry.list_accreditations(cast.home)) == accreditations


# ---------------------------------------------------------------------------- the form
def test_the_form_comes_from_the_schema(api: ApiClient, cast: Cast) -> None:
    signed_in(api, cast, "ministry")
    chooser = api.get("/console/issuer/issue")
    assert all(f'value="{name}"' in chooser.text for name in offered_types())
    assert 'value="CustodyTransferCredential"' not in chooser.text  # self-issued
    page = api.get(f"/console/issuer/issue?type={ORIGIN}").text
    assert '<fieldset class="group" id="f-mineSite">' in page  # a nested object
    assert '<fieldset class="group" id="f-mineSite-coordinates">' in page
    assert re.search(r'<select id="f-mineral" name="s.mineral"', page)  # an enum
    assert '<option value="cobalt">cobalt</option>' in page
    assert re.search(r'<input type="number" id="f-mass-value" name="s.mass.value"', page)
    assert re.search(r'<input type="date" id="f-exportDate"', page)
    assert 'name="_add" value="s.assay"' in page  # an array of objects: add a row
    assert 'id="f-id"' not in page  # the holder's DID is asked for once, beside the form
    assert external_urls(page) == []


def test_validation_errors_land_on_their_fields_and_the_form_stays_filled(
    api: ApiClient, cast: Cast
) -> None:
    csrf = signed_in(api, cast, "ministry")
    before = _issued_count(cast)
    fields = example_form(
        cast.holder_did,
        **{
            "s.mass.value": "heavy",
            "s.mineSite.coordinates.latitude": "200",
            "s.lotId": "",
            "s.countryOfOrigin": "cd",
            "s.assay.0.massFraction": "150",
            "s.mass.unit": "stone",
        },
    )
    page = issue(api, csrf, fields)
    assert page.status_code == 422
    assert _error_of(page.text, "f-mass-value") == "Enter a number."
    assert _error_of(page.text, "f-mineSite-coordinates-latitude") == "Enter 90 or less."
    assert _error_of(page.text, "f-lotId") == "This field is required."
    assert _error_of(page.text, "f-countryOfOrigin") == "This is not in the expected form."
    assert _error_of(page.text, "f-assay-0-massFraction") == "Enter 100 or less."
    assert _error_of(page.text, "f-mass-unit") == "Choose one of the values offered."
    assert 'id="error-summary"' in page.text and 'href="#f-mass-value"' in page.text
    assert 'value="heavy"' in page.text and 'value="Kolwezi-Est open pit"' in page.text
    assert 'value="Cu"' in page.text  # the second assay row is kept
    assert _issued_count(cast) == before


def test_french_errors_and_labels(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "ministry")
    fields = example_form(cast.holder_did, **{"s.mass.value": "", "s.moisture": "abc"})
    page = api.post(
        "/console/issuer/issue",
        data={"csrf": csrf, "lang": "fr", "type": ORIGIN, "format": "vc+jwt", **fields},
    )
    assert page.status_code == 422 and '<html lang="fr">' in page.text
    assert _error_of(page.text, "f-mass-value") == "Ce champ est obligatoire."
    assert _error_of(page.text, "f-moisture") == "Saisissez un nombre."
    assert ">Masse" in page.text and "Émettre l\u2019attestation" in page.text


def test_the_types_own_checks_and_the_holder_field(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "ministry")
    before = _issued_count(cast)
    unassigned = issue(api, csrf, example_form(cast.holder_did, **{"s.countryOfOrigin": "XX"}))
    assert unassigned.status_code == 422  # the pattern allows XX; the type's own check does not
    assert _error_of(unassigned.text, "f-countryOfOrigin").startswith("Not accepted:")
    mismatch = issue(api, csrf, example_form(cast.holder_did), holder="did:web:someone.example")
    assert mismatch.status_code == 422 and "exporter.id" in _error_of(mismatch.text, "h-holder")
    sd = issue(api, csrf, example_form(cast.holder_did), format="dc+sd-jwt")
    assert sd.status_code == 422 and "bound to its holder" in _error_of(sd.text, "h-holder")
    assert _issued_count(cast) == before


def test_add_a_row_keeps_the_form_and_issues_nothing(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "ministry")
    before = _issued_count(cast)
    page = issue(api, csrf, example_form(cast.holder_did), _add="s.assay")
    assert page.status_code == 200 and 'id="f-assay-2-analyte"' in page.text
    assert 'value="Cu"' in page.text and "error-summary" not in page.text
    assert _issued_count(cast) == before


def test_a_type_the_registry_does_not_accredit_is_refused_above_the_form(
    api: ApiClient, cast: Cast
) -> None:
    csrf = signed_in(api, cast, "ministry")
    form = SubjectForm(get_credential_type("SiteStatusCredential"))
    values = form.values_of(EXAMPLES["SiteStatusCredential"])
    fields = {field_name(p): list(v) if isinstance(v, tuple) else [v] for p, v in values.items()}
    page = api.post(
        "/console/issuer/issue",
        data={"csrf": csrf, "type": "SiteStatusCredential", "format": "vc+jwt", **fields},
    )
    assert page.status_code == 422 and 'id="general-error"' in page.text
    assert "does not accredit you" in page.text


# ---------------------------------------------------------------------------- the story
def test_issue_list_revoke_with_confirmation_then_verify_says_revoked(
    api: ApiClient, cast: Cast
) -> None:
    csrf = signed_in(api, cast, "ministry")
    done = issue(api, csrf, example_form(cast.holder_did))
    assert done.status_code == 200, done.text[:2000]
    credential_id = re.search(r'id="credential-id">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    token = html.unescape(re.search(r'id="issued-token"[^>]*>([^<]+)<', done.text).group(1))  # type: ignore[union-attr]
    assert 'download="' in done.text and 'src="data:image/svg+xml' in done.text  # file, QR
    assert _verdict(api, token) == "VALID"

    listing = api.get("/console/issuer", params={"q": credential_id[-12:]}).text
    assert credential_id in listing and "/console/issuer/status?" in listing
    assert credential_id not in api.get("/console/issuer", params={"status": "revoked"}).text

    step1 = api.get("/console/issuer/status", params={"id": credential_id, "action": "revoke"})
    assert step1.status_code == 200 and "Reason" in step1.text
    empty = api.post(
        "/console/issuer/status/review",
        data={"csrf": csrf, "id": credential_id, "action": "revoke", "reason": ""},
    )
    assert empty.status_code == 422 and _error_of(empty.text, "reason")
    confirm = api.post(
        "/console/issuer/status/review",
        data={"csrf": csrf, "id": credential_id, "action": "revoke", "reason": "lot re-weighed"},
    )
    assert confirm.status_code == 200 and "Revocation is permanent" in confirm.text
    signed = len(list_issued(cast.home, issuer=MINISTRY))  # one key since the cast was made
    assert re.search(
        rf'id="reach">{signed} credential\(s\) signed with your active key', confirm.text
    )
    assert _verdict(api, token) == "VALID"  # nothing changed before the confirmation

    applied = api.post(
        "/console/issuer/status/apply",
        data={"csrf": csrf, "id": credential_id, "action": "revoke", "reason": "lot re-weighed"},
    )
    assert applied.status_code == 200 and "The credential is revoked." in applied.text
    assert _verdict(api, token) == "REVOKED"
    assert credential_id in api.get("/console/issuer", params={"status": "revoked"}).text
    again = api.get("/console/issuer/status", params={"id": credential_id, "action": "revoke"})
    assert again.status_code == 409

    audited = [e for e in list_audit(cast.home) if e.path == "/console/issuer/status/apply"]
    assert audited[-1].target == credential_id and audited[-1].code == "OK"
    assert audited[-1].token_id == cast.token_ids["ministry"]

    log = api.get("/console/issuer/log").text
    assert credential_id in log and "lot re-weighed" in log and "api-token:" in log
    key = api.get("/console/issuer/key").text
    assert f"{MINISTRY}#key-1" in key and 'id="reach"' in key


def test_another_issuers_credential_is_not_found(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "ministry")
    done = issue(api, csrf, example_form(cast.holder_did))
    credential_id = re.search(r'id="credential-id">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    customs_csrf = signed_in(api, cast, "customs")
    assert credential_id not in api.get("/console/issuer").text
    step = api.get("/console/issuer/status", params={"id": credential_id, "action": "revoke"})
    assert step.status_code == 404
    data = {"csrf": customs_csrf, "id": credential_id, "action": "revoke", "reason": "not mine"}
    applied = api.post("/console/issuer/status/apply", data=data)
    assert applied.status_code == 404
    status = {row.id: row.status for row in list_issued(cast.home, issuer=MINISTRY)}
    assert status[credential_id] == "valid"


def test_sd_jwt_from_the_form_verifies(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "ministry")
    done = issue(
        api, csrf, example_form(cast.holder_did), format="dc+sd-jwt", holder=cast.holder_did
    )
    assert done.status_code == 200, done.text[:3000]
    token = html.unescape(re.search(r'id="issued-token"[^>]*>([^<]+)<', done.text).group(1))  # type: ignore[union-attr]
    assert "~" in token and _verdict(api, token) == "VALID"


# ---------------------------------------------------------------------------- registry
def test_registry_accredit_and_withdraw_with_confirmation(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "admin")
    view = api.get("/console/registry").text
    assert MINISTRY in view and "Ministère des Mines" in view and "History (" in view

    bad = api.post(
        "/console/registry/accredit", data={"csrf": csrf, "entity": "not-a-did", "jurisdiction": ""}
    )
    assert bad.status_code == 422
    assert _error_of(bad.text, "entity") == "This is not in the expected form."
    assert _error_of(bad.text, "jurisdiction") == "This field is required."
    assert _error_of(bad.text, "types") == "Give at least 1."

    made = api.post(
        "/console/registry/accredit",
        data={
            "csrf": csrf,
            "entity": CUSTOMS,
            "jurisdiction": "CD",
            "reason": "customs decree 12",
            "types": ["AuthorisedEconomicOperatorCredential", ORIGIN],
        },
    )
    assert made.status_code == 200, made.text[:2000]
    assert "already accredited" in made.text  # the origin certificate: held already
    aeo = next(
        a
        for a in registry.list_accreditations(cast.home, entity_id=CUSTOMS)
        if a.action == "issue:AuthorisedEconomicOperatorCredential"
    )
    assert aeo.id in made.text

    step1 = api.get("/console/registry/change", params={"id": aeo.id, "action": "withdraw"})
    assert step1.status_code == 200
    confirm = api.post(
        "/console/registry/change/review",
        data={"csrf": csrf, "id": aeo.id, "action": "withdraw", "reason": "licence lapsed"},
    )
    assert confirm.status_code == 200 and "A withdrawal is permanent" in confirm.text
    assert aeo.status(aeo.valid_from) == "active"
    applied = api.post(
        "/console/registry/change/apply",
        data={"csrf": csrf, "id": aeo.id, "action": "withdraw", "reason": "licence lapsed"},
    )
    assert applied.status_code == 200 and "The accreditation is withdrawn." in applied.text
    after = next(a for a in registry.list_accreditations(cast.home) if a.id == aeo.id)
    assert after.withdrawn_at is not None
    events = [e.kind for e in registry.history(cast.home, subject=aeo.id)]
    assert events == ["accreditation.granted", "accreditation.withdrawn"]
    view = api.get("/console/registry", params={"q": "AuthorisedEconomic"}).text
    assert "Withdrawn" in view and "licence lapsed" in view
    assert api.get("/console/registry/change",
                   params={"id": aeo.id, "action": "withdraw"}).status_code == 409  # fmt: skip


def test_registry_suspend_and_reinstate(api: ApiClient, cast: Cast) -> None:
    csrf = signed_in(api, cast, "admin")
    target = next(a for a in registry.list_accreditations(cast.home, entity_id=MINISTRY))
    for action, status in (("suspend", "suspended"), ("reinstate", "active")):
        data = {"csrf": csrf, "id": target.id, "action": action, "reason": f"audit: {action}"}
        review = api.post("/console/registry/change/review", data=data)
        assert review.status_code == 200, review.text[:1500]
        applied = api.post("/console/registry/change/apply", data=data)
        assert applied.status_code == 200 and 'id="new-status"' in applied.text
        current = next(a for a in registry.list_accreditations(cast.home) if a.id == target.id)
        from datetime import UTC, datetime

        assert current.status(datetime.now(UTC)) == status


def test_the_list_pages_and_keeps_its_filters(api: ApiClient, cast: Cast) -> None:
    from datetime import UTC, datetime

    from oretrust.issuer import issue_credential

    for _ in range(26):
        issue_credential(
            cast.home,
            issuer=CUSTOMS,
            type_name=ORIGIN,
            subject=dict(EXAMPLES[ORIGIN], exporter={"id": cast.holder_did, "name": "Kivu"}),
            now=datetime.now(UTC),
        )
    signed_in(api, cast, "customs")
    first = api.get("/console/issuer", params={"type": ORIGIN, "status": "active"}).text
    assert "Page 1 of 2" in first and first.count("<tr data-credential=") == 25
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following and "type=MineralOriginCertificate" in html.unescape(following.group(1))
    second = api.get(html.unescape(following.group(1))).text
    assert "Page 2 of 2" in second and second.count("<tr data-credential=") == 1
    assert "status=active" in html.unescape(re.search(r'href="([^"]+)" rel="prev"', second)[1])  # type: ignore[index]
    none = api.get("/console/issuer", params={"status": "suspended"}).text
    assert 'id="nothing"' in none


def test_suspend_then_reinstate_a_licence(api: ApiClient, cast: Cast) -> None:
    from datetime import UTC, datetime

    from oretrust.issuer import issue_credential

    licence = "MiningLicenceCredential"
    now = datetime.now(UTC)
    if not any(
        a.action == f"issue:{licence}"
        for a in registry.list_accreditations(cast.home, entity_id=MINISTRY)
    ):
        registry.accredit(cast.home, MINISTRY, licence, "CD", now=now)
    subject = dict(EXAMPLES[licence])
    subject["holder"] = dict(subject["holder"], id=cast.holder_did)
    issued = issue_credential(
        cast.home, issuer=MINISTRY, type_name=licence, subject=subject, now=now
    )
    csrf = signed_in(api, cast, "ministry")
    row = re.search(
        rf'<tr data-credential="{re.escape(issued.id)}">.*?</tr>',
        api.get("/console/issuer").text,
        re.S,
    )
    assert row and 'data-action="suspend"' in row.group(0)
    for action, verdict in (("suspend", "SUSPENDED"), ("reinstate", "VALID")):
        data = {"csrf": csrf, "id": issued.id, "action": action, "reason": f"audit {action}"}
        confirm = api.post("/console/issuer/status/review", data=data)
        assert confirm.status_code == 200 and 'id="permanent"' not in confirm.text
        assert api.post("/console/issuer/status/apply", data=data).status_code == 200
        assert _verdict(api, issued.token) == verdict
    again = api.get("/console/issuer/status", params={"id": issued.id, "action": "reinstate"})
    assert again.status_code == 409  # active again: nothing to reinstate
