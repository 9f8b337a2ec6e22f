"""``SiteStatusCredential``: a regional scheme's rating of a mine site, and when it lapses.

Conflict-minerals schemes (the ICGLR Regional Certification Mechanism, national schemes
modelled on it) inspect mine sites and rate them: ``conflict-free`` (green), ``conditional``
(yellow: may produce while corrective actions run) or ``not-certified`` (red). A rating holds
for a period (``ratingPeriod``; open-ended until reassessed when ``endDate`` is left out).
The credential is issued by the body the scheme accredits to rate sites in that country —
the trust registry must accredit its issuer like any other — and is held by the site's
operator, who presents it beside the origin certificates of lots mined there.

A verifier policy can require that the site was certified when the lot was extracted
(``site_certified_at_extraction``): the rating in force at the origin certificate's date for
its ``mineSite.id`` must be conflict-free or conditional.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from oretrust.credentials._base import (
    CountryCode,
    DidParty,
    HeldSubject,
    Part,
    Period,
    Text,
    Uri,
)
from oretrust.credentials._codes import Mineral

__all__ = ["CERTIFIED_RATINGS", "EXAMPLE_SITE_STATUS", "RatedSite", "SiteRating", "SiteStatus"]

SiteRating = Literal["conflict-free", "conditional", "not-certified"]
#: Ratings under which a site may produce certified material.
CERTIFIED_RATINGS: frozenset[str] = frozenset({"conflict-free", "conditional"})


class RatedSite(Part):
    """The mine site rated, by its cadastre identifier (as origin certificates name it)."""

    id: Uri = Field(description="Cadastre identifier of the site (origin mineSite.id)")
    name: Text
    country: CountryCode


class SiteStatus(HeldSubject):
    """A scheme's rating of one mine site for a period."""

    holder_field: ClassVar[str] = "operator"

    site: RatedSite
    operator: DidParty = Field(description="The site's operator, who holds the credential")
    scheme: Text = Field(description="The certification scheme, e.g. ICGLR RCM")
    rating: SiteRating
    rating_period: Period = Field(description="When the rating holds; no endDate: until reassessed")
    minerals: Annotated[list[Mineral], Field(min_length=1)] | None = None
    inspection_report: Uri | None = Field(default=None, description="The inspection it rests on")

    def jurisdiction_code(self) -> str:
        """The site's country."""
        return self.site.country


EXAMPLE_SITE_STATUS: dict[str, Any] = {
    "site": {
        "id": "https://cadastre.mines.example/sites/PE-13258",
        "name": "Kolwezi-Est open pit",
        "country": "CD",
    },
    "operator": {"id": "did:web:kivu-minerals.example", "name": "Kivu Minerals SARL"},
    "scheme": "ICGLR Regional Certification Mechanism",
    "rating": "conflict-free",
    "ratingPeriod": {"startDate": "2026-01-15", "endDate": "2027-01-14"},
    "minerals": ["cobalt", "copper"],
    "inspectionReport": "https://cemi.mines.example/inspections/2026-PE-13258",
}
"""Kolwezi-Est rated conflict-free (green) for a year after its January 2026 inspection."""
