"""Controlled vocabularies the credential types share: countries, minerals.

ISO 3166-1 alpha-2 is the list of *officially assigned* codes (249 entries, as published by
the ISO 3166 Maintenance Agency); user-assigned codes such as ``XK`` or ``ZZ`` are refused.
ISO 3166-2 subdivision codes (``CD-LU``) are checked for shape and for their country part
only: the full subdivision list changes too often to freeze here.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "CUSTOMS_UNIONS",
    "ISO_3166_ALPHA2",
    "Mineral",
    "is_country_code",
    "is_subdivision_code",
]

ISO_3166_ALPHA2: frozenset[str] = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
    """.split()  # noqa: SIM905 - a readable table of codes
)
"""Officially assigned ISO 3166-1 alpha-2 country codes."""

CUSTOMS_UNIONS: frozenset[str] = frozenset({"EU"})
"""Customs territories that are not countries (``EU`` is exceptionally reserved in ISO 3166)."""

_SUBDIVISION = re.compile(r"^([A-Z]{2})-[A-Z0-9]{1,3}$")


def is_country_code(value: str) -> bool:
    """True if ``value`` is an officially assigned ISO 3166-1 alpha-2 code (upper case)."""
    return value in ISO_3166_ALPHA2


def is_subdivision_code(value: str) -> bool:
    """True if ``value`` has the ISO 3166-2 shape ``CC-XXX`` with an assigned country ``CC``."""
    match = _SUBDIVISION.match(value)
    return match is not None and match.group(1) in ISO_3166_ALPHA2


class Mineral(StrEnum):
    """Minerals oretrust credentials speak of: battery, critical and conflict (3TG) minerals."""

    ANTIMONY = "antimony"
    COBALT = "cobalt"
    COPPER = "copper"
    GALLIUM = "gallium"
    GERMANIUM = "germanium"
    GOLD = "gold"
    GRAPHITE = "graphite"
    LITHIUM = "lithium"
    MANGANESE = "manganese"
    NICKEL = "nickel"
    NIOBIUM = "niobium"
    PLATINUM_GROUP_METALS = "platinum-group-metals"
    RARE_EARTHS = "rare-earths"
    TANTALUM = "tantalum"
    TIN = "tin"
    TUNGSTEN = "tungsten"
    VANADIUM = "vanadium"
    ZINC = "zinc"
