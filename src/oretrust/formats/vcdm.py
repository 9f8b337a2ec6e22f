"""W3C Verifiable Credentials Data Model 2.0 rules, checked without I/O.

The same pure checks run at issuance (on the caller's unsigned credential, before signing)
and at verification (on the payload, after its signature is checked). Every failure is a
:class:`~oretrust.errors.DataModelError` whose ``rule`` names the broken rule (``context-first``,
``type-required``, ``issuer-url``, ``validity-order``…) and whose detail names the property.

JSON-LD is not expanded and no context is fetched. What the rules need from contexts is
modelled here: the protected terms and ``@vocab`` of the base context
``https://www.w3.org/ns/credentials/v2``, the ``@vocab`` of the examples context, and the term
definitions of inline context objects. Scoped (nested) contexts are not interpreted.

oretrust's profile is stricter than the Data Model in two places:

* a credential may carry only the top-level properties VC DM 2.0 defines
  (:data:`CREDENTIAL_PROPERTIES`); unknown extensions are refused;
* an inline context may not redefine any term of the base context, even a type-scoped one,
  unless the definition is identical.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Final, Literal

from oretrust.errors import DataModelError

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "CREDENTIAL_PROPERTIES",
    "ENVELOPED_CREDENTIAL",
    "ENVELOPED_PRESENTATION",
    "JWT_CLAIMS",
    "EnvelopeType",
    "as_list",
    "parse_datetime_stamp",
    "reject_jwt_wrapper_claims",
    "split_jwt_payload",
    "validate_credential",
    "validate_enveloped",
    "validate_holder_claims",
    "validate_presentation",
]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
EXAMPLES_V2_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"

#: The two enveloping types of VC DM 2.0 §4.13: a credential or presentation secured by an
#: enveloping proof (a JWS, an SD-JWT…), carried as a ``data:`` URL in ``id``.
EnvelopeType = Literal["EnvelopedVerifiableCredential", "EnvelopedVerifiablePresentation"]
ENVELOPED_CREDENTIAL: Final = "EnvelopedVerifiableCredential"
ENVELOPED_PRESENTATION: Final = "EnvelopedVerifiablePresentation"

#: Top-level properties a credential may carry in oretrust's profile (VC DM 2.0 §4, §5).
CREDENTIAL_PROPERTIES = frozenset({
    "@context", "id", "type", "name", "description", "issuer", "validFrom", "validUntil",
    "credentialSubject", "credentialStatus", "credentialSchema", "evidence", "termsOfUse",
    "refreshService", "renderMethod", "proof", "relatedResource", "confidenceMethod",
})  # fmt: skip

#: JWT claims allowed beside the credential in a vc+jwt / vp+jwt payload (RFC 7519, 7800).
JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "cnf", "nonce"})

_WRAPPER_CLAIMS = ("vc", "vp")  # VC 1.1 JWT encoding, not VC-JOSE-COSE
_CRED = "https://www.w3.org/2018/credentials#"

# Base-context terms whose definition is a plain IRI (an identical redefinition is allowed).
_V2_SIMPLE_TERMS: dict[str, str] = {
    "id": "@id",
    "type": "@type",
    "name": "https://schema.org/name",
    "description": "https://schema.org/description",
    "mediaType": "https://schema.org/encodingFormat",
    "EnvelopedVerifiableCredential": _CRED + "EnvelopedVerifiableCredential",
    "EnvelopedVerifiablePresentation": _CRED + "EnvelopedVerifiablePresentation",
    "JsonSchemaCredential": _CRED + "JsonSchemaCredential",
    "CredentialEvidence": _CRED + "CredentialEvidence",
    "CredentialSchema": _CRED + "CredentialSchema",
    "CredentialStatus": _CRED + "CredentialStatus",
    "ConfidenceMethod": _CRED + "ConfidenceMethod",
    "BitstringStatusListCredential": (
        "https://www.w3.org/ns/credentials/status#BitstringStatusListCredential"
    ),
}
# Base-context terms with richer definitions (types, scoped contexts): never redefinable.
_V2_OTHER_TERMS = frozenset({
    "VerifiableCredential", "VerifiablePresentation", "JsonSchema", "BitstringStatusList",
    "BitstringStatusListEntry", "DataIntegrityProof", "digestMultibase", "digestSRI",
    "...", "_sd", "_sd_alg", "aud", "cnf", "exp", "iat", "iss", "jku", "kid", "nbf", "sub", "x5u",
    "confidenceMethod", "credentialSchema", "credentialStatus", "credentialSubject", "evidence",
    "issuer", "proof", "refreshService", "relatedResource", "renderMethod", "termsOfUse",
    "validFrom", "validUntil", "holder", "verifiableCredential",
})  # fmt: skip
_OPAQUE = ("base-context",)  # the normalised definition of a _V2_OTHER_TERMS entry
_VOCAB_CONTEXTS = frozenset({CREDENTIALS_V2_CONTEXT, EXAMPLES_V2_CONTEXT})
# VC 1.1's context redefines VerifiableCredential & co., which the v2 context protects.
_CONFLICTING_CONTEXTS = frozenset({"https://www.w3.org/2018/credentials/v1"})

# Properties whose values are objects that MUST have a ``type``: (rule slug, id required).
_TYPED_PROPERTIES: dict[str, tuple[str, bool]] = {
    "credentialStatus": ("status", False),
    "credentialSchema": ("schema", True),
    "evidence": ("evidence", False),
    "termsOfUse": ("terms-of-use", False),
    "refreshService": ("refresh-service", False),
    "renderMethod": ("render-method", False),
    "confidenceMethod": ("confidence-method", False),
    "proof": ("proof", False),
}

# An absolute URL/IRI: an RFC 3986 scheme, a colon, then no whitespace or forbidden characters.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20\x7f<>\"{}|\\^`]+")
_AUTHORITY = re.compile(r"https?://([^/?#]*)", re.IGNORECASE)
_DATA_URL = re.compile(r"data:[^,\s]*,", re.IGNORECASE)
# ASCII digits only: Python's \d also matches Arabic-Indic and full-width digits, which int()
# reads, so "٢٠٣٠-01-01T00:00:00Z" passed the data-model check.
_DATETIME_STAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
_LANGUAGE_KEYS = frozenset({"@value", "@language", "@direction"})


@dataclass
class _Vocabulary:
    """What the document's contexts define, as far as these rules need to know."""

    terms: dict[str, object] = field(default_factory=dict)
    protected: set[str] = field(default_factory=set)
    vocab: bool = True  # an @vocab is in force, so any term maps to an IRI


def _fail(detail: str, rule: str) -> DataModelError:
    return DataModelError(detail, rule=rule)


def _is_url(value: Any) -> bool:
    if not isinstance(value, str) or not _URL.fullmatch(value):
        return False
    if not value.lower().startswith(("http:", "https:")):
        return True
    authority = _AUTHORITY.match(value)  # http(s) URLs need a host
    host = authority.group(1).rpartition("@")[2] if authority else ""
    return bool(host) and not host.startswith(":")


def _require_url(value: Any, where: str, rule: str) -> None:
    if isinstance(value, list):
        raise _fail(f"{where} must be a single URL, not an array", rule)
    if not _is_url(value):
        raise _fail(f"{where} must be a URL, got {_shown(value)}", rule)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def as_list(value: Any) -> list[Any]:
    """A VC Data Model "one or more" value (a single value or an array) as a list."""
    return value if isinstance(value, list) else [value]


def _require_object(document: Any, what: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise _fail(f"a {what} must be a JSON object", "document-object")
    return document


# --- contexts ---------------------------------------------------------------------------


def _normalised(definition: Any) -> object:
    if isinstance(definition, dict):
        rest = {k: v for k, v in definition.items() if k != "@protected"}
        if set(rest) == {"@id"}:
            return rest["@id"]
        return ("object", json.dumps(rest, sort_keys=True))
    return definition


def _check_term_definition(term: str, definition: Any, where: str, vocab: bool) -> None:
    iri = definition.get("@id") if isinstance(definition, dict) else definition
    if definition is None or (isinstance(iri, str) and (iri.startswith("@") or _is_url(iri))):
        return
    from_vocab = vocab or _is_url(term)  # a definition without @id takes its IRI from these
    if isinstance(definition, dict) and iri is None and "@reverse" not in definition and from_vocab:
        return
    raise _fail(
        f"{where} term {term!r} must map to an absolute URL, got {_shown(iri)}", "context-term"
    )


def _apply_inline_context(state: _Vocabulary, context: dict[str, Any], where: str) -> None:
    protect_all = context.get("@protected") is True
    if "@vocab" in context:
        vocab = context["@vocab"]
        if vocab is not None and not _is_url(vocab):
            raise _fail(f"{where} @vocab must be null or an absolute URL", "context-term")
        state.vocab = vocab is not None
    for term, definition in context.items():
        if term.startswith("@"):
            continue  # @protected, @version, @vocab… are not term definitions
        _check_term_definition(term, definition, where, state.vocab)
        normalised = _normalised(definition)
        if term in state.protected and normalised != state.terms.get(term):
            raise _fail(f"{where} redefines the protected term {term!r}", "context-protected")
        if definition is None:
            state.terms.pop(term, None)
            continue
        state.terms[term] = normalised
        if protect_all or (isinstance(definition, dict) and definition.get("@protected") is True):
            state.protected.add(term)


def _read_contexts(document: dict[str, Any], where: str = "") -> _Vocabulary:
    if "@context" not in document:
        raise _fail(f"{where}@context is required", "context-required")
    entries = as_list(document["@context"])
    if not entries or entries[0] != CREDENTIALS_V2_CONTEXT:
        raise _fail(f"{where}@context must start with {CREDENTIALS_V2_CONTEXT}", "context-first")
    state = _Vocabulary()
    state.terms.update(_V2_SIMPLE_TERMS)
    state.terms.update(dict.fromkeys(_V2_OTHER_TERMS, _OPAQUE))
    state.protected.update(state.terms)
    for index, entry in enumerate(entries[1:], start=1):
        here = f"{where}@context[{index}]"
        if isinstance(entry, str):
            if not _is_url(entry):
                raise _fail(f"{here} must be a URL, got {_shown(entry)}", "context-url")
            if entry in _CONFLICTING_CONTEXTS:
                raise _fail(
                    f"{here} redefines protected terms of the v2 context", "context-protected"
                )
            state.vocab = state.vocab or entry in _VOCAB_CONTEXTS
        elif isinstance(entry, dict):
            _apply_inline_context(state, entry, here)
        else:
            raise _fail(f"{here} must be a URL or a context object", "context-entry")
    return state


# --- shared property rules ----------------------------------------------------------------


def _check_types(value: Any, where: str, state: _Vocabulary, required: str | None = None) -> None:
    types = as_list(value)
    if not types or not all(isinstance(t, str) and t for t in types):
        raise _fail(f"{where} must be a string or a non-empty array of strings", "type-value")
    for name in types:
        if name not in state.terms and not _is_url(name) and not state.vocab:
            raise _fail(f"{where} value {name!r} is not defined by any context", "type-undefined")
    if required is not None and required not in types:
        raise _fail(f"{where} must include {required}", "type-required")


def _check_language_values(node: dict[str, Any], where: str) -> None:
    for prop in ("name", "description"):
        if prop not in node:
            continue
        values = as_list(node[prop])
        for value in values or [None]:
            if isinstance(value, str):
                continue
            ok = (
                isinstance(value, dict)
                and isinstance(value.get("@value"), str)
                and set(value) <= _LANGUAGE_KEYS
                and isinstance(value.get("@language", ""), str)
                and value.get("@direction", "ltr") in ("ltr", "rtl")
            )
            if not ok:
                raise _fail(
                    f"{where}{prop} must be a string or a language value object "
                    "(@value, @language, @direction only)",
                    "language-value",
                )


def _check_typed_objects(document: dict[str, Any], where: str, state: _Vocabulary) -> None:
    for prop, (slug, id_required) in _TYPED_PROPERTIES.items():
        if prop not in document:
            continue
        items = as_list(document[prop])
        if not items:
            raise _fail(f"{where}{prop} must not be an empty array", f"{slug}-type")
        for index, item in enumerate(items):
            here = f"{where}{prop}" + (f"[{index}]" if isinstance(document[prop], list) else "")
            if not isinstance(item, dict):
                raise _fail(f"{here} must be an object", f"{slug}-type")
            if "type" not in item:
                raise _fail(f"{here}.type is required", f"{slug}-type")
            _check_types(item["type"], f"{here}.type", state)
            if id_required or "id" in item:
                _require_url(item.get("id"), f"{here}.id", f"{slug}-id")


def _check_related_resources(document: dict[str, Any], where: str) -> None:
    if "relatedResource" not in document:
        return
    items = as_list(document["relatedResource"])
    for index, item in enumerate(items or [None]):
        here = f"{where}relatedResource[{index}]"
        if not isinstance(item, dict):
            raise _fail(f"{here} must be an object", "related-resource")
        _require_url(item.get("id"), f"{here}.id", "related-resource")
        digests = [item[k] for k in ("digestSRI", "digestMultibase") if k in item]
        if not digests or not all(isinstance(d, str) and d for d in digests):
            raise _fail(f"{here} needs digestSRI or digestMultibase", "related-resource")


def parse_datetime_stamp(value: Any, where: str = "dateTime") -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` (timezone required) into an aware datetime.

    Fractional seconds are accepted (kept to the microsecond); years are 0001-9999, in the
    value's own zone and in UTC (``0001-01-01T00:00:00+14:00`` is an instant before year 1,
    which no comparison with a UTC time could make). Digits are ASCII only.
    Raises :class:`DataModelError` (rule ``datetime-format``) naming ``where``.
    A valid text's parse is remembered (a pure function of the text, and every verification
    reads the same few ``validFrom``/``validUntil`` again: a tenth of a first sight).
    """
    if isinstance(value, str) and len(value) <= _MAX_REMEMBERED_STAMP:
        remembered = _remembered_stamp(value)
        if remembered is not None:
            return remembered
    return _parse_stamp(value, where)


_MAX_REMEMBERED_STAMP = 40  # longer than any stamp with a microsecond fraction and an offset


@lru_cache(maxsize=4096)
def _remembered_stamp(value: str) -> datetime | None:
    """The parse of ``value``, or None when it is not a valid stamp (then parsed again, to
    raise naming its place)."""
    try:
        return _parse_stamp(value, "")
    except DataModelError:
        return None


def _parse_stamp(value: Any, where: str) -> datetime:
    """:func:`parse_datetime_stamp`, never remembered."""
    match = _DATETIME_STAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _fail(
            f"{where} must be an XML Schema dateTimeStamp with a timezone, got {_shown(value)}",
            "datetime-format",
        )
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7) or "", match.group(8)
    end_of_day = hour == 24 and minute == second == 0 and not fraction.strip("0")
    micro = int(fraction[:6].ljust(6, "0"))
    try:
        offset = timedelta()
        if zone != "Z":
            hours, minutes = int(zone[1:3]), int(zone[4:6])
            if minutes > 59 or hours * 60 + minutes > 14 * 60:
                raise ValueError("timezone offset out of range")
            offset = (1 if zone[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
        zone_info = timezone(offset)
        if end_of_day:  # XML Schema's 24:00:00 is the first instant of the next day
            moment = datetime(year, month, day, tzinfo=zone_info) + timedelta(days=1)
        else:
            moment = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone_info)
        moment.astimezone(UTC)  # OverflowError when the UTC instant is outside years 1-9999
        return moment
    except (ValueError, OverflowError) as exc:
        raise _fail(f"{where} is not a valid date and time: {value}", "datetime-format") from exc


def _check_validity_period(document: dict[str, Any], where: str) -> None:
    stamps = {
        prop: parse_datetime_stamp(document[prop], f"{where}{prop}")
        for prop in ("validFrom", "validUntil")
        if prop in document
    }
    if len(stamps) == 2 and stamps["validFrom"] > stamps["validUntil"]:
        raise _fail(f"{where}validFrom must not be later than validUntil", "validity-order")


def _check_party(value: Any, where: str, state: _Vocabulary, rule: str, id_required: bool) -> None:
    """An issuer or holder: a URL, or an object whose ``id`` is a URL."""
    if isinstance(value, str):
        _require_url(value, where, rule)
        return
    if not isinstance(value, dict):
        raise _fail(f"{where} must be a URL or an object with a URL id", rule)
    if id_required or "id" in value:
        _require_url(value.get("id"), f"{where}.id", rule)
    if "type" in value:
        _check_types(value["type"], f"{where}.type", state)
    _check_language_values(value, f"{where}.")


def _check_subjects(document: dict[str, Any], where: str, state: _Vocabulary) -> None:
    if "credentialSubject" not in document:
        raise _fail(f"{where}credentialSubject is required", "subject-required")
    value = document["credentialSubject"]
    subjects = as_list(value)
    if not subjects:
        raise _fail(f"{where}credentialSubject must not be an empty array", "subject-claims")
    for index, subject in enumerate(subjects):
        here = f"{where}credentialSubject" + (f"[{index}]" if isinstance(value, list) else "")
        if not isinstance(subject, dict) or not subject:
            raise _fail(f"{here} must be an object with at least one claim", "subject-claims")
        if "id" in subject:
            _require_url(subject["id"], f"{here}.id", "subject-id")
        if "type" in subject:
            _check_types(subject["type"], f"{here}.type", state)


# --- public API -----------------------------------------------------------------------------


def reject_jwt_wrapper_claims(payload: Any) -> None:
    """Refuse the VC 1.1 JWT ``vc`` / ``vp`` wrapper claims in a VC-JOSE-COSE payload.

    The payload of a vc+jwt or vp+jwt *is* the credential or presentation; registered JWT
    claims (:data:`JWT_CLAIMS`) may sit beside it, a wrapper may not.
    Raises :class:`DataModelError` (rule ``jwt-wrapper-claim``, or ``document-object``).
    """
    payload = _require_object(payload, "JWT payload")
    for claim in _WRAPPER_CLAIMS:
        if claim in payload:
            raise _fail(
                f"the VC 1.1 JWT claim {claim!r} is not allowed; the payload must be the "
                "credential or presentation itself",
                "jwt-wrapper-claim",
            )


def split_jwt_payload(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a vc+jwt / vp+jwt payload into ``(document, jwt_claims)``.

    ``jwt_claims`` holds the members named in :data:`JWT_CLAIMS`; ``document`` the rest, to be
    passed to :func:`validate_credential` or :func:`validate_presentation`. Neither part is
    validated here, except that ``vc`` / ``vp`` wrapper claims are refused.
    Raises :class:`DataModelError`.
    """
    payload = _require_object(payload, "JWT payload")
    reject_jwt_wrapper_claims(payload)
    claims = {k: v for k, v in payload.items() if k in JWT_CLAIMS}
    document = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    return document, claims


def validate_credential(document: Any, *, require_issuer: bool = True) -> None:
    """Check a credential against the VC Data Model 2.0 rules and oretrust's profile.

    ``require_issuer=False`` is for an unsigned issuance input, to which the issuer adds its
    own ``issuer`` (a string URL, or the ``id`` of an issuer object); a value that is present
    must still be valid. Raises :class:`DataModelError` naming the property and the rule.
    """
    _validate_credential(_require_object(document, "credential"), require_issuer, "")


def _validate_credential(document: dict[str, Any], require_issuer: bool, where: str) -> None:
    reject_jwt_wrapper_claims(document)
    state = _read_contexts(document, where)
    if "type" not in document:
        raise _fail(f"{where}type is required", "type-required")
    _check_types(document["type"], f"{where}type", state, "VerifiableCredential")
    unknown = sorted(set(document) - CREDENTIAL_PROPERTIES)
    if unknown:
        raise _fail(f"{where}{unknown[0]} is not a VC Data Model 2.0 property", "unknown-property")
    if "id" in document:
        _require_url(document["id"], f"{where}id", "id-url")
    if "issuer" in document or require_issuer:
        if "issuer" not in document:
            raise _fail(f"{where}issuer is required", "issuer-required")
        _check_party(document["issuer"], f"{where}issuer", state, "issuer-url", require_issuer)
    _check_language_values(document, where)
    _check_subjects(document, where, state)
    _check_validity_period(document, where)
    _check_typed_objects(document, where, state)
    _check_related_resources(document, where)


def _is_enveloped(entry: dict[str, Any]) -> bool:
    return ENVELOPED_CREDENTIAL in as_list(entry.get("type"))


def validate_enveloped(entry: Any, envelope_type: EnvelopeType = ENVELOPED_CREDENTIAL) -> None:
    """Check an ``EnvelopedVerifiableCredential`` or ``EnvelopedVerifiablePresentation``
    (VC DM 2.0 §4.13) before anything is taken out of it.

    Its ``@context`` must be present (``context-required``) and start with the v2 context
    (``context-first``: ``[]`` or the examples context alone are refused), its ``type`` must
    include ``envelope_type`` (``type-required``) and its ``id`` be a ``data:`` URL
    (``enveloped-id``). Raises :class:`DataModelError` naming the rule.
    """
    _validate_enveloped(_require_object(entry, "credential envelope"), "", envelope_type)


def _validate_enveloped(entry: dict[str, Any], where: str, envelope_type: EnvelopeType) -> None:
    state = _read_contexts(entry, where)
    if "type" not in entry:
        raise _fail(f"{where}type is required", "type-required")
    _check_types(entry["type"], f"{where}type", state, envelope_type)
    value = entry.get("id")
    if not isinstance(value, str) or not _DATA_URL.match(value):
        raise _fail(f"{where}id must be a data: URL holding the secured document", "enveloped-id")


def validate_presentation(document: Any) -> None:
    """Check a presentation and every credential in it against the VC Data Model 2.0 rules.

    ``verifiableCredential`` entries must be objects: an ``EnvelopedVerifiableCredential``
    (a ``data:`` URL ``id``) or a full credential, checked with an ``issuer`` required.
    Holder/issuer agreement for self-asserted credentials is :func:`validate_holder_claims`.
    Raises :class:`DataModelError` naming the property and the rule.
    """
    document = _require_object(document, "presentation")
    reject_jwt_wrapper_claims(document)
    state = _read_contexts(document)
    if "type" not in document:
        raise _fail("type is required", "type-required")
    _check_types(document["type"], "type", state, "VerifiablePresentation")
    if "id" in document:
        _require_url(document["id"], "id", "id-url")
    if "holder" in document:
        _check_party(document["holder"], "holder", state, "holder-url", id_required=True)
    _check_language_values(document, "")
    _check_typed_objects(document, "", state)
    if "verifiableCredential" not in document:
        return
    entries = as_list(document["verifiableCredential"])
    if not entries:
        raise _fail("verifiableCredential must not be an empty array", "vc-object")
    for index, entry in enumerate(entries):
        where = f"verifiableCredential[{index}]."
        if not isinstance(entry, dict):
            raise _fail(f"{where[:-1]} must be an object, not {type(entry).__name__}", "vc-object")
        if _is_enveloped(entry):
            _validate_enveloped(entry, where, ENVELOPED_CREDENTIAL)
        else:
            _validate_credential(entry, True, where)


def _node_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def validate_holder_claims(presentation: Any) -> None:
    """Check VC DM 2.0 §5.13 "Presentations Including Holder Claims".

    A credential embedded without a securing mechanism of its own (not enveloped, no
    ``proof``) is secured only by the presentation, so it is self-asserted by the holder:
    the presentation MUST have a ``holder`` and the credential's ``issuer`` MUST be identical
    to it. Call this after :func:`validate_presentation` when the presentation's own
    signature has been checked. Raises :class:`DataModelError` (rule ``holder-claims``).
    """
    document = _require_object(presentation, "presentation")
    holder = _node_id(document.get("holder"))
    for index, entry in enumerate(as_list(document.get("verifiableCredential", []))):
        if not isinstance(entry, dict) or _is_enveloped(entry) or "proof" in entry:
            continue
        where = f"verifiableCredential[{index}]"
        if holder is None:
            raise _fail(
                f"holder is required: {where} is secured only by the presentation", "holder-claims"
            )
        if _node_id(entry.get("issuer")) != holder:
            raise _fail(
                f"{where}.issuer must equal holder: it is secured only by the "
                "presentation, so it is self-asserted",
                "holder-claims",
            )
