"""Per-type selective-disclosure profiles, and the SD-JWT VC claim set of each type.

Traders will not hand every buyer a lot's price, buyer or exact tonnage just to prove its
origin. Each type therefore declares which subject claims the holder may withhold; everything
else (issuer, type, validity, status, and e.g. the country of origin of an origin certificate)
is always visible. Issuing a type as ``dc+sd-jwt`` applies its profile: each withholdable
claim becomes its own disclosure.

The SD-JWT VC claim set puts the subject's claims at the top level beside ``vct``; the subject
``id`` becomes ``sub``. Paths are tuples of keys into that claim set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from oretrust.credentials._registry import CREDENTIAL_TYPES, get_credential_type
from oretrust.errors import InputError

__all__ = [
    "DISCLOSURE_PROFILES",
    "VCT_BASE_URL",
    "DisclosureProfile",
    "disclosure_profile",
    "sd_jwt_vc_claims",
    "type_for_vct",
    "vct_for",
]

VCT_BASE_URL = "https://oretrust.example/vct/"

ClaimPath = tuple[str, ...]


@dataclass(frozen=True)
class DisclosureProfile:
    """What a holder of one credential type may withhold; all other claims stay visible."""

    type_name: str
    withholdable: tuple[ClaimPath, ...]

    def is_withholdable(self, path: ClaimPath) -> bool:
        """True when ``path`` (or one of its parents) may be withheld."""
        return any(path[: len(allowed)] == allowed for allowed in self.withholdable)


_PROFILES = (
    DisclosureProfile(
        "MineralOriginCertificate",
        (("mass",), ("assay",), ("price",), ("buyer",), ("mineSite", "coordinates")),
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
)

#: Profiles by credential type name; every oretrust type has one.
DISCLOSURE_PROFILES: Mapping[str, DisclosureProfile] = MappingProxyType(
    {profile.type_name: profile for profile in _PROFILES}
)
assert set(DISCLOSURE_PROFILES) == set(CREDENTIAL_TYPES), "every type needs a profile"


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
    clashes = {"iss", "vct", "cnf", "status", "exp", "nbf", "iat", "sub"} & normalised.keys()
    if clashes:
        raise InputError(
            f"subject uses reserved claim names {sorted(clashes)}", code="INVALID_SUBJECT"
        )
    claims = {key: value for key, value in normalised.items() if key != "id"}
    if "id" in normalised:
        claims["sub"] = normalised["id"]
    return claims
