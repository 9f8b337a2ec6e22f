"""Who is calling: roles, the authenticated :class:`Principal`, and the two refusals.

Failures are part of the one exception tree (``oretrust.errors``) so the problem table in
:mod:`oretrust.api.problems` maps them like any other error:

    OreTrustError
    ├── AuthenticationError     401: no, malformed, unknown, expired or revoked token
    └── PermissionDeniedError   403: a valid token whose role or issuer may not do this

An :class:`AuthenticationError` always carries the same detail, so that the answer does not
tell a caller which tokens exist or why one was refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from oretrust.codes import Code
from oretrust.errors import OreTrustError

__all__ = ["ROLES", "AuthenticationError", "PermissionDeniedError", "Principal", "Role"]

Role = Literal["registry-admin", "issuer", "auditor", "holder"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)


class AuthenticationError(OreTrustError):
    """The request carries no valid bearer token (always the same detail)."""

    default_code = Code.UNAUTHENTICATED

    def __init__(self) -> None:
        super().__init__("a valid bearer token is required (missing, invalid, expired or revoked)")


class PermissionDeniedError(OreTrustError):
    """The token is valid but its role or issuer scope does not allow the request."""

    default_code = Code.FORBIDDEN


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the token's id, role, (for issuers) issuer DID and (for
    holders) holder DID. A holder token opens that holder's wallet page and nothing else:
    no API route accepts the ``holder`` role, so it cannot issue, revoke or accredit."""

    token_id: str
    role: Role
    issuer_did: str | None = None
    holder_did: str | None = None

    @property
    def actor(self) -> str:
        """How the caller is named in the registry's and the revocation log's ``actor``."""
        return f"api-token:{self.token_id} ({self.role})"
