"""Per-type selective-disclosure profiles, and the SD-JWT VC claim set of each type.

Traders will not hand every buyer a lot's price, buyer or exact tonnage just to prove its
origin. Each type therefore declares which subject claims the holder may withhold; everything
else (issuer, type, validity, status, and e.g. the country of origin of an origin certificate)
is always visible. Issuing a type as ``dc+sd-jwt`` applies its profile: each withholdable
claim becomes its own disclosure, and nothing else is hidden behind a digest.

The SD-JWT VC claim set puts the subject's claims at the top level beside ``vct``; the subject
``id`` becomes ``sub``. Paths are tuples of keys into that claim set.

The verifier side (pure, used by :mod:`oretrust.verifier`):

- :func:`profile_violations` — the issuer-side rule checked again: a digest may only stand
  where the profile lets a claim be withheld, and no disclosure may carry any other claim;
- :func:`parse_disclosed_subject` — validate a subject whose withholdable claims may be
  missing (withheld claims are not schema errors);
- :func:`subject_from_sd_jwt_vc_claims` — the inverse of :func:`sd_jwt_vc_claims`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from oretrust.codes import Code
from oretrust.credentials._aeo import AeoCriterion
from oretrust.credentials._base import SubjectModel
from oretrust.credentials._registry import CREDENTIAL_TYPES, get_credential_type
from oretrust.errors import InputError

__all__ = [
    "DISCLOSURE_PROFILES",
    "SD_JWT_VC_REGISTERED_CLAIMS",
    "VCT_BASE_URL",
    "DisclosureProfile",
    "HiddenDigests",
    "disclosure_profile",
    "format_path",
    "has_claim",
    "hidden_digests",
    "jurisdiction_of",
    "parse_claim_path",
    "parse_disclosed_subject",
    "profile_violations",
    "sd_jwt_vc_claims",
    "subject_from_sd_jwt_vc_claims",
    "type_for_vct",
    "vct_for",
]

VCT_BASE_URL = "https://oretrust.example/vct/"

ClaimPath = tuple[str, ...]
#: A path into processed claims or a signed payload: names, and array positions.
AnyPath = tuple[str | int | None, ...]

#: JWT and SD-JWT VC claims that are not subject claims.
SD_JWT_VC_REGISTERED_CLAIMS: frozenset[str] = frozenset(
    {"iss", "vct", "iat", "exp", "nbf", "cnf", "status", "sub", "jti"}
)


@dataclass(frozen=True)
class DisclosureProfile:
    """What a holder of one credential type may withhold; all other claims stay visible."""

    type_name: str
    withholdable: tuple[ClaimPath, ...]

    def is_withholdable(self, path: AnyPath) -> bool:
        """True when ``path`` (or one of its parents) may be withheld."""
        return any(path[: len(allowed)] == allowed for allowed in self.withholdable)

    def may_hide_in(self, path: AnyPath) -> bool:
        """True when an object at ``path`` may carry digests (``_sd``): it holds, or lies
        inside, a withholdable claim."""
        return self.is_withholdable(path) or any(
            len(allowed) > len(path) and allowed[: len(path)] == path
            for allowed in self.withholdable
        )


_PROFILES = (
    DisclosureProfile(
        "MineralOriginCertificate",
        (
            ("mass",),
            ("moisture",),
            ("assay",),
            ("price",),
            ("buyer",),
            ("mineSite", "coordinates"),
        ),
    ),
    DisclosureProfile(
        "MiningLicenceCredential",
        (
            ("areaHectares",),
            ("mineSite", "coordinates"),
            ("mineSite", "boundary"),
            ("conditions",),
        ),
    ),
    DisclosureProfile("AuthorisedEconomicOperatorCredential", (("criteriaMet",),)),
    DisclosureProfile("BusinessIdentityCredential", (("registrationScopeList",),)),
    DisclosureProfile("ConformityAssessmentCredential", (("description",),)),
    # Issued as vc+jwt only: a verifier balancing a chain needs every mass and reference.
    DisclosureProfile("CustodyTransferCredential", ()),
    # The inspection report may name findings an operator shares only with whom it chooses.
    DisclosureProfile("SiteStatusCredential", (("inspectionReport",), ("minerals",))),
    # Already the confidential form of a chain: what it names is what a buyer checks.
    DisclosureProfile("ChainAttestationCredential", ()),
    # Vc+jwt only, like custody events: the balance needs every lot and reference.
    DisclosureProfile("PeriodAccountCredential", ()),
)

#: Profiles by credential type name; every oretrust type has one.
DISCLOSURE_PROFILES: Mapping[str, DisclosureProfile] = MappingProxyType(
    {profile.type_name: profile for profile in _PROFILES}
)
assert set(DISCLOSURE_PROFILES) == set(CREDENTIAL_TYPES), "every type needs a profile"

#: Stand-ins that satisfy every cross-field rule whatever the visible claims say (the
#: example's AEO-C criteria would not satisfy an AEO-S programme).
_STAND_INS: Mapping[tuple[str, ClaimPath], Any] = MappingProxyType(
    {("AuthorisedEconomicOperatorCredential", ("criteriaMet",)): [c.value for c in AeoCriterion]}
)


def disclosure_profile(type_name: str) -> DisclosureProfile:
    """The profile of a known type; raises InputError (UNKNOWN_CREDENTIAL_TYPE)."""
    return DISCLOSURE_PROFILES[get_credential_type(type_name).name]


def vct_for(type_name: str) -> str:
    """The SD-JWT VC ``vct`` URI of an oretrust type."""
    return VCT_BASE_URL + get_credential_type(type_name).name


def type_for_vct(vct: str) -> str | None:
    """The oretrust type a ``vct`` names, or None for a foreign type."""
    if not vct.startswith(VCT_BASE_URL):
        return None
    name = vct[len(VCT_BASE_URL) :]
    return name if name in CREDENTIAL_TYPES else None


def sd_jwt_vc_claims(type_name: str, subject: Mapping[str, Any]) -> dict[str, Any]:
    """The SD-JWT VC claims (without ``iss``/``vct``/times) of a validated subject.

    The subject's ``id`` becomes ``sub``; reserved JWT claim names in a subject are refused.
    """
    normalised = get_credential_type(type_name).validate_subject(dict(subject))
    clashes = SD_JWT_VC_REGISTERED_CLAIMS & normalised.keys()
    if clashes:
        raise InputError(
            f"subject uses reserved claim names {sorted(clashes)}", code=Code.INVALID_SUBJECT
        )
    claims = {key: value for key, value in normalised.items() if key != "id"}
    if "id" in normalised:
        claims["sub"] = normalised["id"]
    return claims


def subject_from_sd_jwt_vc_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The credential subject an SD-JWT VC's (processed) claims speak of: ``sub`` as ``id``
    and every claim that is not a JWT / SD-JWT VC registered claim."""
    subject: dict[str, Any] = {}
    if "sub" in claims:
        subject["id"] = claims["sub"]
    subject.update(
        (key, copy.deepcopy(value))
        for key, value in claims.items()
        if key not in SD_JWT_VC_REGISTERED_CLAIMS
    )
    return subject


def parse_claim_path(text: str) -> ClaimPath:
    """``"mineSite.coordinates"`` → ``("mineSite", "coordinates")``; InputError when empty."""
    parts = tuple(text.split("."))
    if not text or any(not part for part in parts):
        raise InputError(f"{text!r} is not a claim path such as mineSite.coordinates")
    return parts


def format_path(path: AnyPath) -> str:
    """``("assay", 0, "method")`` → ``"assay[0].method"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def has_claim(claims: Mapping[str, Any], path: ClaimPath) -> bool:
    """Whether ``claims`` has a member at ``path`` (each step a key of an object)."""
    node: Any = claims
    for step in path:
        if not isinstance(node, Mapping) or step not in node:
            return False
        node = node[step]
    return True


def parse_disclosed_subject(type_name: str, subject: Mapping[str, Any]) -> SubjectModel:
    """Validate a selectively disclosed subject against its type's model.

    Claims the type's profile lets the holder withhold may be absent: each absent one is
    stood in for (a valid value from the type's example) so the strict model can check
    every claim that *is* there, cross-field rules included; the stand-ins never leave this
    function. Raises SchemaValidationError naming the first bad visible field.
    """
    credential_type = get_credential_type(type_name)
    profile = DISCLOSURE_PROFILES[credential_type.name]
    if all(has_claim(subject, path) for path in profile.withholdable):
        return credential_type.parse_subject(subject)  # nothing withheld: nothing to stand in
    completed = copy.deepcopy(dict(subject))
    for path in sorted(profile.withholdable, key=len):
        parent = _at(completed, path[:-1])
        if isinstance(parent, dict) and path[-1] not in parent:
            stand_in = _STAND_INS.get(
                (credential_type.name, path), _at(credential_type.example_subject, path)
            )
            if stand_in is not None:
                parent[path[-1]] = copy.deepcopy(stand_in)
    return credential_type.parse_subject(completed)


def jurisdiction_of(type_name: str, subject: object) -> str:
    """The ISO 3166 code of the jurisdiction a ``type_name`` subject speaks of.

    Country of origin (origin certificates), licence jurisdiction (licences, possibly a
    subdivision such as ``CD-LU``), customs territory (AEO, possibly ``EU``), register country
    (identity anchors), facility country (conformity). The subject is validated first; raises
    SchemaValidationError if it is invalid. A selectively disclosed subject (an SD-JWT VC whose
    holder withheld claims the type's disclosure profile lets it withhold) answers too: the
    jurisdiction is never a withholdable claim.
    """
    credential_type = get_credential_type(type_name)
    if not isinstance(subject, Mapping):
        return credential_type.parse_subject(subject).jurisdiction_code()
    return parse_disclosed_subject(type_name, subject).jurisdiction_code()


@dataclass(frozen=True)
class HiddenDigests:
    """Where a signed SD-JWT hides claims: digests left without a disclosure, by object path,
    and the paths of every object or array that carries digests at all."""

    undisclosed: Mapping[AnyPath, int]
    objects: tuple[AnyPath, ...]
    arrays: tuple[AnyPath, ...]


def hidden_digests(
    payload: Mapping[str, Any], disclosed: Iterable[tuple[AnyPath, str, Any]]
) -> HiddenDigests:
    """Find every ``_sd`` array and ``...`` element in a signed payload and in the values of
    the received disclosures (given as ``(path, digest, value)``)."""
    seen = {digest for _path, digest, _value in disclosed}
    undisclosed: dict[AnyPath, int] = {}
    objects: list[AnyPath] = []
    arrays: list[AnyPath] = []

    def walk(node: Any, path: AnyPath) -> None:
        if isinstance(node, Mapping):
            digests = node.get("_sd")
            if isinstance(digests, list) and digests:
                objects.append(path)
                missing = sum(1 for d in digests if d not in seen)
                if missing:
                    undisclosed[path] = undisclosed.get(path, 0) + missing
            for key, value in node.items():
                if key not in ("_sd", "_sd_alg"):
                    walk(value, (*path, key))
        elif isinstance(node, list):
            if any(isinstance(e, Mapping) and "..." in e for e in node):
                arrays.append(path)
            for index, element in enumerate(node):
                walk(element, (*path, index))

    walk(payload, ())
    for path, _digest, value in disclosed:
        walk(value, path)
    return HiddenDigests(MappingProxyType(undisclosed), tuple(objects), tuple(arrays))


def profile_violations(
    profile: DisclosureProfile, hidden: HiddenDigests, disclosed_paths: Iterable[AnyPath]
) -> list[str]:
    """Why an SD-JWT of ``profile``'s type breaks it (empty when it does not).

    A disclosure may only carry a withholdable claim, and digests (``_sd``, ``...``) may only
    stand where a withholdable claim can be: anything else must be plainly visible.
    """
    problems = [
        f"'{format_path(path)}' was selectively disclosable but must be plainly visible"
        for path in disclosed_paths
        if not profile.is_withholdable(path)
    ]
    problems += [
        f"{'the top level' if not path else repr(format_path(path))} hides claims behind "
        "digests where nothing may be withheld"
        for path in hidden.objects
        if not profile.may_hide_in(path)
    ]
    problems += [
        f"array '{format_path(path)}' hides elements but may not be withheld"
        for path in hidden.arrays
        if not profile.is_withholdable(path)
    ]
    return problems


def _at(node: Any, path: AnyPath) -> Any:
    for step in path:
        if isinstance(node, Mapping) and isinstance(step, str):
            node = node.get(step)
        else:
            return None
    return node
