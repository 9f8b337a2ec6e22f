"""The one exception tree of oretrust.

Every error oretrust raises on purpose is an :class:`OreTrustError`. Each carries a stable
machine-readable ``code`` (an upper-snake string that scripts, the HTTP API and the
verification report all use) and a one-line human ``detail``::

    OreTrustError                     code ORETRUST_ERROR
    ├── InputError                    caller gave bad input (CLI exit 2, HTTP 400/422)
    │   ├── SchemaValidationError     a credential subject fails its JSON Schema
    │   ├── DataModelError            a document breaks the VC Data Model 2.0 rules
    │   └── MalformedTokenError       a JWT / SD-JWT cannot even be parsed
    ├── NotFoundError                 a named issuer, key, credential… does not exist
    ├── ConflictError                 the action contradicts the current state
    ├── KeyStoreError                 a private key cannot be loaded or stored
    ├── IntegrityViolationError       the database contradicts its own log: nothing is signed
    ├── ResolutionError               a DID / status list / trust list cannot be resolved
    │   └── UnsafeUrlError            a URL that must not be fetched (not HTTPS, private address)
    ├── InvalidCredentialError        a credential or presentation is rejected (a verdict)
    ├── api.auth.AuthenticationError  no valid bearer token (HTTP 401; one detail for all causes)
    └── api.auth.PermissionDeniedError a valid token without the role or issuer scope (HTTP 403)

``InvalidCredentialError`` is what a caller catches to reject a credential: it is a verdict
(CLI exit 1, HTTP 400 with the report), not a crash. The API maps classes to problem+json in
one table (``oretrust.api.problems``); the CLI maps them to exit codes in one place.
"""

from __future__ import annotations

from oretrust.codes import Code

__all__ = [
    "ConflictError",
    "DataModelError",
    "InputError",
    "IntegrityViolationError",
    "InvalidCredentialError",
    "KeyStoreError",
    "MalformedTokenError",
    "NotFoundError",
    "OreTrustError",
    "ResolutionError",
    "SchemaValidationError",
    "UnsafeUrlError",
]


class OreTrustError(Exception):
    """Root of every deliberate oretrust error.

    ``code`` is stable across releases; ``detail`` is one line meant for a person.
    """

    default_code = Code.ORETRUST_ERROR

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code

    def __str__(self) -> str:
        return self.detail


class InputError(OreTrustError):
    """The caller supplied input oretrust cannot use (wrong shape, unknown name, bad value)."""

    default_code = Code.INVALID_INPUT


class SchemaValidationError(InputError):
    """A credential subject does not match its type's JSON Schema; ``field`` names where."""

    default_code = Code.SCHEMA_VALIDATION_FAILED

    def __init__(self, detail: str, *, field: str, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.field = field


class DataModelError(InputError):
    """A credential or presentation breaks a VC Data Model 2.0 rule; ``rule`` names it."""

    default_code = Code.DATA_MODEL_INVALID

    def __init__(self, detail: str, *, rule: str = "", code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.rule = rule


class MalformedTokenError(InputError):
    """A token is not well-formed (bad base64url, bad JSON, wrong number of parts, too big)."""

    default_code = Code.MALFORMED_TOKEN


class NotFoundError(OreTrustError):
    """A named object (issuer, key, credential, list) does not exist."""

    default_code = Code.NOT_FOUND


class ConflictError(OreTrustError):
    """The request contradicts the current state (e.g. an issuer name already taken)."""

    default_code = Code.CONFLICT


class IntegrityViolationError(OreTrustError):
    """The database contradicts its own hash-chained log (a write that bypassed oretrust, or
    a restore gone wrong): oretrust refuses to sign anything from it until an operator has
    looked (``oretrust status verify-log``)."""

    default_code = Code.STATUS_LOG_MISMATCH


class KeyStoreError(OreTrustError):
    """A private key cannot be created, loaded or decrypted."""

    default_code = Code.KEY_STORE_ERROR


class ResolutionError(OreTrustError):
    """A DID document, status list or trust list could not be obtained."""

    default_code = Code.RESOLUTION_ERROR


class UnsafeUrlError(ResolutionError):
    """A URL oretrust refuses to fetch: not HTTPS, or pointing at a private/loopback address."""

    default_code = Code.UNSAFE_URL


class InvalidCredentialError(OreTrustError):
    """A credential or presentation was checked and rejected.

    ``code`` is the stable code of the first failed check (e.g. ``SIGNATURE_INVALID``);
    ``credential_id`` identifies the credential when it is known; ``report`` carries the
    full verification report when one was produced.
    """

    default_code = Code.INVALID_CREDENTIAL

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        credential_id: str | None = None,
        report: object | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.credential_id = credential_id
        self.report = report
