"""Verifier policies as data: parse and validate a policy file (internal).

A policy file (YAML, or JSON, which is YAML) has ``name``, ``version: 1``, an optional
``description`` and:

``credentials`` (required)
    a mapping *requirement name* → ``{type, disclose, status, issuer, max_age_days,
    subject}``: the credential type; the claim paths (dotted, into the subject) that must be
    disclosed; ``status: required | optional`` (default required: it must be revocable, and
    not revoked); ``issuer: accredited | any`` (default accredited, by the trust registry);
    ``max_age_days`` since issuance; ``subject: holder | any`` (``holder``: about the party
    presenting it);
``links`` (optional)
    a list of ``{name, equal: [requirement.path, requirement.path]}``: claims of two
    credentials that must agree (the origin certificate's licence is the licence presented);
``identity_anchor``
    ``required | optional``: the holder must be identified by an accredited identity anchor;
``high_risk_evidence``
    ``required | not-required`` (default required): accredited conformity evidence for
    origins the registry flags high-risk;
``trust``
    ``subscribed | any`` (default any): ``subscribed`` demands that accreditation was judged
    against the verifier's subscribed trust lists (``oretrust trust add-registry``, through a
    chain to a pinned root), not only by a registry run in the verifier's own home
    (``POLICY_TRUST_NOT_SUBSCRIBED``);
``max_status_age``
    a duration (``24h``, ``30m``, ``7d``, ``3600s``): every status list the verifier read
    must have been signed by its issuer no longer ago than that — online or from an offline
    bundle — else ``POLICY_STATUS_TOO_OLD`` (revocation data that old may miss a revocation);
``site_certified_at_extraction``
    ``required | not-required`` (default not-required): every origin certificate presented
    must come from a site that an accredited ``SiteStatusCredential`` in the presentation
    rates conflict-free or conditional on the certificate's date (``SITE_NOT_CERTIFIED``).

Anything else, or a bad value, is an :class:`~oretrust.errors.InputError` with code
``POLICY_INVALID`` naming the field (``credentials.origin-certificate.disclose[2]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml

from oretrust.codes import Code
from oretrust.credentials import CREDENTIAL_TYPES, get_credential_type
from oretrust.errors import InputError

__all__ = [
    "POLICY_INVALID",
    "CredentialRequirement",
    "Link",
    "Policy",
    "load_policy",
    "parse_duration",
    "parse_policy",
    "shipped_policies",
]

POLICY_INVALID = Code.POLICY_INVALID
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_MAX_BYTES = 256 * 1024
_DURATION = re.compile(r"^([0-9]{1,9})([smhd])$")
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
}


@dataclass(frozen=True)
class CredentialRequirement:
    """One credential the verifier requires (check id ``policy:<name>``)."""

    name: str
    type: str
    disclose: tuple[tuple[str, ...], ...] = ()
    status_required: bool = True
    accredited_issuer: bool = True
    max_age_days: int | None = None
    about_holder: bool = False


@dataclass(frozen=True)
class Link:
    """Two claims, each ``(requirement, path)``, that must be equal (``policy:<name>``)."""

    name: str
    left: tuple[str, tuple[str, ...]]
    right: tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Policy:
    """What a verifier requires of a presentation, as validated data."""

    name: str
    description: str
    requirements: tuple[CredentialRequirement, ...]
    links: tuple[Link, ...] = ()
    identity_anchor: bool = False
    high_risk_evidence: bool = True
    source: str = ""
    trust_subscribed: bool = False
    max_status_age: timedelta | None = None
    site_certified_at_extraction: bool = False


def parse_duration(value: object) -> timedelta | None:
    """``24h``, ``30m``, ``7d``, ``3600s`` (or a whole number of seconds) as a positive
    timedelta; None for anything else (the caller names the field)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value) if value > 0 else None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _UNITS[match.group(2)]


def shipped_policies() -> list[str]:
    """Names of the policies shipped with oretrust (``oretrust/policies/<name>.yaml``)."""
    folder = resources.files("oretrust") / "policies"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_policy(name_or_path: str) -> Policy:
    """Read a policy file, or a shipped policy by name; raise InputError (``POLICY_NOT_FOUND``,
    ``POLICY_INVALID``)."""
    path = Path(name_or_path)
    if path.is_file():
        try:
            text = path.read_bytes()[: _MAX_BYTES + 1].decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"cannot read policy {name_or_path}: {exc}", code=POLICY_INVALID
            ) from exc
        return parse_policy(text, source=str(path))
    if name_or_path in shipped_policies():
        text = (resources.files("oretrust") / "policies" / f"{name_or_path}.yaml").read_text(
            "utf-8"
        )
        return parse_policy(text, source=name_or_path)
    raise InputError(
        f"no policy file {name_or_path!r} and no shipped policy of that name "
        f"(shipped: {', '.join(shipped_policies())})",
        code=Code.POLICY_NOT_FOUND,
    )


def parse_policy(document: str | Mapping[str, Any], *, source: str = "policy") -> Policy:
    """Validate a policy (text or parsed data); raise InputError ``POLICY_INVALID``."""
    data: Any = document
    if isinstance(document, str):
        if len(document) > _MAX_BYTES:
            _bad(source, "", "is larger than 256 KiB")
        try:
            data = yaml.safe_load(document)
        except yaml.YAMLError as exc:
            _bad(source, "", f"is neither YAML nor JSON: {str(exc).splitlines()[0]}")
    reader = _Reader(source)
    top = reader.mapping(data, "")
    reader.only(
        top,
        "",
        {
            "name",
            "version",
            "description",
            "credentials",
            "links",
            "identity_anchor",
            "high_risk_evidence",
            "trust",
            "max_status_age",
            "site_certified_at_extraction",
        },
    )
    name = reader.text(top.get("name"), "name")
    if top.get("version", 1) != 1:
        reader.fail("version", "must be 1")
    description = reader.text(top.get("description", ""), "description", empty=True)
    credentials = reader.mapping(top.get("credentials"), "credentials")
    if not credentials:
        reader.fail("credentials", "must name at least one credential")
    requirements = tuple(reader.requirement(key, value) for key, value in credentials.items())
    links_data = top.get("links", [])
    if not isinstance(links_data, list):
        reader.fail("links", "must be a list")
    known = {r.name: r for r in requirements}
    links = tuple(reader.link(item, f"links[{i}]", known) for i, item in enumerate(links_data))
    return Policy(
        name,
        description,
        requirements,
        links,
        reader.choice(top.get("identity_anchor", "optional"), "identity_anchor", "optional"),
        reader.choice(
            top.get("high_risk_evidence", "required"), "high_risk_evidence", "not-required"
        ),
        source,
        reader.choice(top.get("trust", "any"), "trust", "any", "subscribed"),
        _max_status_age(reader, top),
        reader.choice(
            top.get("site_certified_at_extraction", "not-required"),
            "site_certified_at_extraction",
            "not-required",
        ),
    )


def _max_status_age(reader: _Reader, top: dict[str, Any]) -> timedelta | None:
    if "max_status_age" not in top:
        return None
    age = parse_duration(top["max_status_age"])
    if age is None:
        reader.fail("max_status_age", "must be a duration such as 24h, 30m, 7d or 3600s")
    return age


class _Reader:
    """Field-by-field validation; every failure names its dotted field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, message: str) -> NoReturn:
        _bad(self.source, field, message)

    def mapping(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            self.fail(field, "must be a mapping" if field else "must be a mapping of fields")
        return value

    def only(self, value: dict[str, Any], field: str, allowed: set[str]) -> None:
        for key in value:
            if key not in allowed:
                where = f"{field}.{key}" if field else key
                self.fail(where, f"is not a policy field (expected one of {sorted(allowed)})")

    def text(self, value: Any, field: str, *, empty: bool = False) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            self.fail(field, "must be a non-empty string" if not empty else "must be a string")
        return value

    def choice(self, value: Any, field: str, negative: str, positive: str = "required") -> bool:
        """``positive`` (or YAML true) → True, ``negative`` (or false) → False."""
        if value is True or value == positive:
            return True
        if value is False or value == negative:
            return False
        self.fail(field, f"must be '{positive}' or '{negative}'")

    def requirement(self, name: str, value: Any) -> CredentialRequirement:
        field = f"credentials.{name}"
        if not _NAME.match(name):
            self.fail(field, "requirement names are lower-case letters, digits and '-'")
        data = self.mapping(value, field)
        self.only(data, field, {"type", "disclose", "status", "issuer", "max_age_days", "subject"})
        type_name = self.text(data.get("type"), f"{field}.type")
        if type_name not in CREDENTIAL_TYPES:
            self.fail(f"{field}.type", f"{type_name!r} is not a credential type oretrust knows")
        disclose = data.get("disclose", [])
        if not isinstance(disclose, list):
            self.fail(f"{field}.disclose", "must be a list of claim paths")
        paths = tuple(
            self.claim_path(item, f"{field}.disclose[{i}]", type_name)
            for i, item in enumerate(disclose)
        )
        max_age = data.get("max_age_days")
        if max_age is not None and (
            isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0
        ):
            self.fail(f"{field}.max_age_days", "must be a positive whole number of days")
        return CredentialRequirement(
            name=name,
            type=type_name,
            disclose=paths,
            status_required=self.choice(
                data.get("status", "required"), f"{field}.status", "optional"
            ),
            accredited_issuer=self.choice(
                data.get("issuer", "accredited"), f"{field}.issuer", "any", "accredited"
            ),
            max_age_days=max_age,
            about_holder=self.choice(
                data.get("subject", "any"), f"{field}.subject", "any", "holder"
            ),
        )

    def claim_path(self, value: Any, field: str, type_name: str) -> tuple[str, ...]:
        text = self.text(value, field)
        parts = tuple(text.split("."))
        if any(not part for part in parts):
            self.fail(field, f"{text!r} is not a dotted claim path such as mineSite.id")
        if parts[0] not in _subject_claims(type_name):
            self.fail(field, f"{parts[0]!r} is not a claim of {type_name}")
        return parts

    def link(self, value: Any, field: str, known: Mapping[str, CredentialRequirement]) -> Link:
        data = self.mapping(value, field)
        self.only(data, field, {"name", "equal"})
        name = self.text(data.get("name"), f"{field}.name")
        if not _NAME.match(name):
            self.fail(f"{field}.name", "link names are lower-case letters, digits and '-'")
        equal = data.get("equal")
        if not isinstance(equal, list) or len(equal) != 2:
            self.fail(f"{field}.equal", "must be two 'requirement.claim.path' strings")
        sides = []
        for i, item in enumerate(equal):
            text = self.text(item, f"{field}.equal[{i}]")
            requirement, _, path = text.partition(".")
            if requirement not in known:
                self.fail(f"{field}.equal[{i}]", f"{requirement!r} is no requirement above")
            sides.append(
                (requirement, self.claim_path(path, f"{field}.equal[{i}]", known[requirement].type))
            )
        return Link(name, sides[0], sides[1])


def _subject_claims(type_name: str) -> set[str]:
    schema = get_credential_type(type_name).json_schema()
    model = schema["properties"]["credentialSubject"]["$ref"].rsplit("/", 1)[-1]
    return set(schema["$defs"][model].get("properties", {})) | {"id"}


def _bad(source: str, field: str, message: str) -> NoReturn:
    where = f"{field}: " if field else ""
    raise InputError(f"policy {source}: {where}{message}", code=POLICY_INVALID)
