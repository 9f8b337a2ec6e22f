"""What the web tests share: a home with an accredited ministry and three credentials —
genuine, tampered (a doubled mass, signature kept) and revoked — built in-process in about a
second (no demo run), and a check that a page names no other origin."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api_support import MINISTRY, Cast, make_cast, origin_certificate
from oretrust.credentials import EXAMPLES
from oretrust.issuer import issue_credential, issue_sd_jwt_credential
from oretrust.status.operations import revoke

__all__ = ["Credentials", "external_urls", "make_credentials", "tamper"]


@dataclass
class Credentials:
    """The cast and the tokens the web tests verify."""

    cast: Cast
    genuine: str
    tampered: str
    revoked: str
    sd_jwt: str
    genuine_id: str


def tamper(token: str) -> str:
    """The token with the lot's mass doubled and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["mass"]["value"] *= 2
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def make_credentials(folder: Path) -> Credentials:
    """A cast (:func:`api_support.make_cast`) plus the credentials of :class:`Credentials`."""
    cast = make_cast(folder)
    now = datetime.now(UTC)
    subject = origin_certificate(cast.holder_did)["credentialSubject"]

    def issue() -> tuple[str, str]:
        issued = issue_credential(
            cast.home, issuer=MINISTRY, type_name="MineralOriginCertificate",
            subject=subject, now=now,
        )  # fmt: skip
        return issued.token, issued.id

    genuine, genuine_id = issue()
    revoked, revoked_id = issue()
    revoke(cast.home, revoked_id, reason="lot re-weighed", now=now)
    sd = issue_sd_jwt_credential(
        cast.home, issuer=MINISTRY, type_name="MineralOriginCertificate",
        subject=dict(EXAMPLES["MineralOriginCertificate"], exporter=subject["exporter"]),
        now=now, holder=cast.holder_did,
    )  # fmt: skip
    return Credentials(cast, genuine, tamper(genuine), revoked, sd.token, genuine_id)


_URL_ATTRIBUTE = re.compile(
    r"""(?:src|href|action|url)\s*[=(]\s*["']?\s*((?:https?:)?//[^"' )>]+)""", re.I
)


def external_urls(text: str) -> list[str]:
    """The URLs of another origin that a page or style sheet loads or links to."""
    return _URL_ATTRIBUTE.findall(text)
