"""The holder's wallet page in-process: refused without a holder token, least privilege both
ways (a holder token opens no API route; another role's token opens no wallet), the
credentials held with what each discloses, a presentation made for the nonce and audience
typed (or for a pasted request) that the verifier accepts for exactly that challenge, the
presentation file as a download, and CSRF refusals."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api_support import ApiClient
from oretrust.api.tokens import create_token, revoke_token
from oretrust.codes import Code
from oretrust.errors import InputError
from oretrust.holder import receive_credential
from oretrust.verifier import verifier_for
from web_support import Credentials, external_urls, make_credentials

NONCE, AUDIENCE = "n-wallet-7", "https://refinery.example/verify"


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    made = make_credentials(tmp_path_factory.mktemp("wallet"))
    now = datetime.now(UTC)
    for token in (made.genuine, made.sd_jwt):
        receive_credential(made.cast.home, "kivu", token, now=now)
    _, made.cast.tokens["holder"] = create_token(
        made.cast.home, role="holder", holder="kivu", now=now, expires_in=timedelta(hours=1)
    )
    return made


@pytest.fixture
def api(creds: Credentials) -> Iterator[ApiClient]:
    client = creds.cast.client()  # a fresh cookie jar per test
    yield client
    client.close()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:1500]
    return found.group(1)


def _login(api: ApiClient, token: str) -> tuple[int, str]:
    form = api.get("/wallet")
    answer = api.post("/wallet/login", data={"token": token, "csrf": _csrf(form.text)})
    return answer.status_code, answer.text


def _sd_id(creds: Credentials) -> str:
    from oretrust.holder import list_wallet

    return next(e.credential_id for e in list_wallet(creds.cast.home, "kivu") if "~" in e.token)


def test_no_token_no_wallet(api: ApiClient) -> None:
    page = api.get("/wallet")
    assert page.status_code == 401 and 'id="wallet-token"' in page.text
    assert "Kivu" not in page.text and "urn:uuid" not in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert api.post("/wallet/login", data={"token": "ort_x", "csrf": "forged"}).status_code == 403
    code, text = _login(api, "ort_000000000000_" + "A" * 43)
    assert code == 401 and "does not open a wallet" in text


def test_roles_are_kept_apart(api: ApiClient, creds: Credentials) -> None:
    cast = creds.cast
    for role in ("ministry", "admin", "auditor"):
        code, text = _login(api, cast.tokens[role])
        assert code == 403 and "not a holder token" in text, role
        assert api.get("/wallet").status_code == 401
    holder = cast.auth("holder")
    assert api.post("/credentials/issue", headers=holder, json={}).status_code == 403
    assert api.post("/credentials/status", headers=holder, json={}).status_code == 403
    assert api.post("/registry/accreditations", headers=holder, json={}).status_code == 403
    assert api.get("/revocations/log", headers=holder).status_code == 403


def test_the_wallet_lists_what_it_holds(api: ApiClient, creds: Credentials) -> None:
    code, _ = _login(api, creds.cast.tokens["holder"])
    assert code == 303
    page = api.get("/wallet?lang=fr")
    assert page.status_code == 200 and "Kivu Minerals SARL" in page.text
    assert page.text.count('name="credential"') == 2
    assert page.text.count("Certificat d\u2019origine des minerais") >= 2
    assert "Ministère des Mines" in page.text and 'data-verdict="VALID"' in page.text
    assert f'value="{_sd_id(creds)}|mass"' in page.text  # a withholdable claim, a checkbox
    assert "Émise le" in page.text and "Reçue le" in page.text
    assert external_urls(page.text) == []  # everything from this origin: works offline


def test_a_presentation_for_the_challenge_typed_verifies(
    api: ApiClient, creds: Credentials
) -> None:
    _login(api, creds.cast.tokens["holder"])
    sd_id = _sd_id(creds)
    made = api.post(
        "/wallet/present",
        data={"csrf": _csrf(api.get("/wallet").text), "credential": sd_id,
              "disclose": [f"{sd_id}|mass", f"{sd_id}|lotId"], "nonce": NONCE,
              "audience": AUDIENCE},
    )  # fmt: skip
    assert made.status_code == 200, made.text[:2000]
    file_text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", made.text, re.S)[1])
    file = json.loads(file_text)
    assert file["format"] == "dc+sd-jwt" and file["nonce"] == NONCE
    assert 'id="presentation-qr"' in made.text and external_urls(made.text) == []
    verifier = verifier_for(creds.cast.home, allow_network=False)
    now = datetime.now(UTC)
    report = verifier.check_presentation(
        file["presentation"], nonce=NONCE, audience=AUDIENCE, now=now
    )
    assert report.verified, report.to_dict()["errors"]
    assert "mass" in str(report.credentials[0].disclosure or report.disclosure)
    replayed = verifier.check_presentation(
        file["presentation"], nonce="another", audience=AUDIENCE, now=now
    )
    assert not replayed.verified
    download = api.post("/wallet/download", data={"csrf": _csrf(made.text), "file": file_text})
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert json.loads(download.text) == file


def test_a_pasted_request_lets_the_wallet_choose(api: ApiClient, creds: Credentials) -> None:
    _login(api, creds.cast.tokens["holder"])
    policy = (
        "name: pasted\nversion: 1\ncredentials:\n  origin:\n    type: MineralOriginCertificate\n"
        "    disclose: [lotId, mass]\nidentity_anchor: optional\n"
        "high_risk_evidence: not-required\n"
    )
    csrf = _csrf(api.get("/wallet").text)
    made = api.post("/wallet/present", data={"csrf": csrf, "nonce": NONCE, "audience": AUDIENCE,
                                             "request": policy})  # fmt: skip
    assert made.status_code == 200, made.text[:3000]
    assert "Presentation made" in made.text
    bad = api.post("/wallet/present", data={"csrf": csrf, "nonce": NONCE, "audience": AUDIENCE,
                                            "request": "name: [oops"})  # fmt: skip
    assert bad.status_code == 400 and "POLICY_INVALID" in bad.text
    nothing = api.post("/wallet/present", data={"csrf": csrf, "nonce": NONCE, "audience": ""})
    assert nothing.status_code == 400 and 'id="wallet-error"' in nothing.text


def test_posts_without_the_csrf_token_are_refused(api: ApiClient, creds: Credentials) -> None:
    _login(api, creds.cast.tokens["holder"])
    form = {"credential": _sd_id(creds), "nonce": NONCE, "audience": AUDIENCE}
    assert api.post("/wallet/present", data=form).status_code == 403
    refused = api.post("/wallet/present", data={**form, "csrf": "0" * 64})
    assert refused.status_code == 403 and "another site" in refused.text
    assert api.post("/wallet/download", data={"file": "{}"}).status_code == 403


def test_a_holder_token_is_scoped_and_revocable(api: ApiClient, creds: Credentials) -> None:
    home, now = creds.cast.home, datetime.now(UTC)
    for role, issuer, holder in (("holder", None, None), ("issuer", "ministry", "kivu")):
        with pytest.raises(InputError) as refused:
            create_token(home, role=role, issuer=issuer, holder=holder, now=now,
                         expires_in=timedelta(hours=1))  # fmt: skip
        assert refused.value.code == Code.INVALID_SCOPE
    public, token = create_token(home, role="holder", holder="kivu", now=now,
                                 expires_in=timedelta(hours=1))  # fmt: skip
    assert public.holder == creds.cast.holder_did and public.issuer is None
    assert _login(api, token)[0] == 303 and api.get("/wallet").status_code == 200
    revoke_token(home, public.id, now=now)
    assert api.get("/wallet").status_code == 401  # the next click after a revocation


def test_cookies_are_secure_behind_a_trusted_tls_proxy(creds: Credentials) -> None:
    client = creds.cast.client(trusted_proxies="127.0.0.1/32")  # the ASGI client's address
    try:
        proxied = client.get("/wallet", headers={"X-Forwarded-Proto": "https"})
        assert "secure" in proxied.headers["set-cookie"].lower()
        assert "httponly" in proxied.headers["set-cookie"].lower()
        plain = client.get("/wallet")
        assert "secure" not in plain.headers["set-cookie"].lower()
        assert "samesite=strict" in plain.headers["set-cookie"].lower()
    finally:
        client.close()


def test_a_language_link_on_a_result_goes_back_to_the_wallet(api: ApiClient) -> None:
    for path in ("/wallet/present", "/wallet/login", "/wallet/download"):
        moved = api.get(f"{path}?lang=fr")
        assert moved.status_code == 303 and moved.headers["location"] == "/wallet?lang=fr"


def test_the_holder_adds_a_credential_on_the_page(tmp_path: Path) -> None:
    """Pasted or uploaded, a credential is verified by this node and kept; a forged one is
    refused with its code, and nothing is kept without the CSRF token."""
    made = make_credentials(tmp_path / "home")
    now = datetime.now(UTC)
    _, token = create_token(made.cast.home, role="holder", holder="kivu", now=now,
                            expires_in=timedelta(hours=1))  # fmt: skip
    client = made.cast.client()
    try:
        assert _login(client, token)[0] == 303
        csrf = _csrf(client.get("/wallet").text)
        forged = client.post("/wallet/receive", data={"incoming": made.tampered, "csrf": csrf})
        assert forged.status_code == 400 and "SIGNATURE_INVALID" in forged.text
        refused = client.post("/wallet/receive", data={"incoming": made.genuine, "csrf": "x"})
        assert refused.status_code == 403
        kept = client.post("/wallet/receive", data={"incoming": made.genuine, "csrf": csrf})
        assert kept.status_code == 200 and 'id="wallet-notice"' in kept.text
        assert made.genuine_id in kept.text
        uploaded = client.post("/wallet/receive", data={"csrf": csrf},
                               files={"file": ("sd.jwt", made.sd_jwt.encode())})  # fmt: skip
        assert uploaded.status_code == 200, uploaded.text
    finally:
        client.close()
    from oretrust.holder import list_wallet

    assert len(list_wallet(made.cast.home, "kivu")) == 2
