"""Building blocks shared by the credential subject models.

Annotated string types carry both the Python check (with a readable message) and the JSON
Schema fragment that is published, so the schema at ``GET /schemas/{type}`` and
:meth:`CredentialType.validate_subject` agree. Subjects are validated in strict JSON mode:
numbers must be JSON numbers, dates ``YYYY-MM-DD`` strings, unknown fields are refused.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from oretrust.credentials._codes import CUSTOMS_UNIONS, is_country_code, is_subdivision_code

__all__ = [
    "DID_PATTERN",
    "CountryCode",
    "CustomsTerritory",
    "Did",
    "DidParty",
    "GeoPoint",
    "GeoPolygon",
    "HeldSubject",
    "Jurisdiction",
    "Latitude",
    "Longitude",
    "MineSite",
    "Part",
    "Party",
    "Period",
    "SubjectModel",
    "Text",
    "Uri",
    "contains",
    "field_error",
    "type_field",
    "value_error",
]


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error for a cross-field check; ``field`` is the bad field relative to the model."""
    return PydanticCustomError("oretrust_field", "{message}", {"field": field, "message": message})


def value_error(message: str) -> PydanticCustomError:
    """An error about the value being validated itself."""
    return PydanticCustomError("oretrust_value", "{message}", {"message": message})


def contains(*names: str) -> AfterValidator:
    """Validator for a JSON-LD ``type`` array that must contain each of ``names``."""

    def validate(value: list[str]) -> list[str]:
        missing = [name for name in names if name not in value]
        if missing:
            raise value_error(f"must contain {', '.join(missing)}")
        return value

    return AfterValidator(validate)


def type_field(*names: str) -> Any:
    """A ``type`` array field defaulting to ``names``; its schema requires each of them."""
    return Field(
        default_factory=lambda: list(names),
        json_schema_extra={"allOf": [{"contains": {"const": name}} for name in names]},
    )


def _checker(check: Callable[[str], bool], message: str) -> AfterValidator:
    def validate(value: str) -> str:
        if not check(value):
            raise PydanticCustomError(
                "oretrust_value",
                "{message}, got {got}",
                {"message": message, "got": repr(value[:60])},
            )
        return value

    return AfterValidator(validate)


def _matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.match(value) is not None


DID_PATTERN = (
    r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$"
)
_URI = r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$"
_TEXT = r"^\S(?:[\s\S]*\S)?$"
_COUNTRY = r"^[A-Z]{2}$"
_JURISDICTION = r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$"

Did = Annotated[
    str,
    _checker(_matches(DID_PATTERN), "must be a DID (did:<method>:<id>)"),
    WithJsonSchema({"type": "string", "pattern": DID_PATTERN, "format": "uri"}),
]
"""A W3C DID (not a DID URL): ``did:web:kivu-minerals.example``."""

Uri = Annotated[
    str,
    _checker(_matches(_URI), "must be an absolute URI"),
    WithJsonSchema({"type": "string", "pattern": _URI, "format": "uri"}),
]
"""An absolute URI (``https:``, ``did:``, ``urn:`` …)."""

Text = Annotated[
    str,
    _checker(
        lambda v, text=_matches(_TEXT): len(v) <= 2000 and text(v),
        "must be 1-2000 characters without leading or trailing spaces",
    ),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 2000, "pattern": _TEXT}),
]
"""Non-empty human text (a name, a reference number, a description)."""

CountryCode = Annotated[
    str,
    _checker(is_country_code, "must be an ISO 3166-1 alpha-2 country code such as CD"),
    WithJsonSchema(
        {"type": "string", "pattern": _COUNTRY, "description": "ISO 3166-1 alpha-2 country code"}
    ),
]
"""An officially assigned ISO 3166-1 alpha-2 code (``CD``)."""

Jurisdiction = Annotated[
    str,
    _checker(
        lambda v: is_country_code(v) or is_subdivision_code(v),
        "must be an ISO 3166-1 alpha-2 or ISO 3166-2 code such as CD or CD-LU",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _JURISDICTION,
            "description": "ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision code",
        }
    ),
]
"""A country (``CD``) or a subdivision of one (``CD-LU``, Lualaba)."""

CustomsTerritory = Annotated[
    str,
    _checker(
        lambda v: is_country_code(v) or v in CUSTOMS_UNIONS,
        "must be an ISO 3166-1 alpha-2 country code or EU",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _COUNTRY,
            "description": "ISO 3166-1 alpha-2 country code, or EU for the customs union",
        }
    ),
]
"""A customs territory: a country, or the EU customs union."""

Latitude = Annotated[float, Field(ge=-90, le=90, description="WGS 84 latitude, degrees")]
Longitude = Annotated[float, Field(ge=-180, le=180, description="WGS 84 longitude, degrees")]


class SubjectModel(BaseModel):
    """Base of every credential subject: camelCase JSON names, strict, closed to unknown fields."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        field_title_generator=lambda name, _info: name.replace("_", " ").capitalize(),
    )

    @abstractmethod
    def jurisdiction_code(self) -> str:
        """The ISO 3166 code of the jurisdiction the credential speaks of."""

    @abstractmethod
    def holder_id(self) -> str:
        """The identifier (a DID) of the party the credential is issued to: its holder."""

    def issued_by(self) -> str | None:
        """The DID that must sign a self-issued credential (``CredentialType.self_issued``);
        None for credentials institutions issue."""
        return None


class HeldSubject(SubjectModel):
    """A subject whose ``id`` is its holder's DID, taken from the party named by ``holder_field``.

    Callers may leave ``id`` out; the normalised subject always carries it, so holder binding
    can compare ``credentialSubject.id`` with the presenter's DID.
    """

    holder_field: ClassVar[str]

    id: Did | None = Field(
        default=None, description="The holder's DID (defaults to the holder's id)"
    )

    @model_validator(mode="after")
    def _bind_holder(self) -> HeldSubject:
        party_id = getattr(self, self.holder_field).id
        if self.id is None:
            self.id = party_id
        elif self.id != party_id:
            raise field_error("id", f"must equal {to_camel(self.holder_field)}.id")
        return self

    def holder_id(self) -> str:
        """The holder's DID."""
        return str(getattr(self, self.holder_field).id)


class Part(BaseModel):
    """Base of nested objects: same conventions as :class:`SubjectModel`."""

    model_config = SubjectModel.model_config


class Party(Part):
    """An organisation named by a URI (a DID where it has one) and its legal name."""

    id: Uri
    name: Text
    registered_id: Text | None = Field(default=None, description="Number in its business register")


class DidParty(Party):
    """A party that controls a DID: the holders of oretrust credentials."""

    id: Did


class GeoPoint(Part):
    """A WGS 84 position."""

    latitude: Latitude
    longitude: Longitude


_Ring = Annotated[list[tuple[Longitude, Latitude]], Field(min_length=4)]


class GeoPolygon(Part):
    """A GeoJSON Polygon: closed rings of ``[longitude, latitude]`` positions, outer ring first."""

    type: Literal["Polygon"] = "Polygon"
    coordinates: Annotated[list[_Ring], Field(min_length=1)]

    @model_validator(mode="after")
    def _rings_closed(self) -> GeoPolygon:
        for index, ring in enumerate(self.coordinates):
            if ring[0] != ring[-1]:
                raise field_error(f"coordinates[{index}]", "ring must end at its first position")
        return self


class MineSite(Part):
    """A mine site as the mining cadastre knows it."""

    id: Uri = Field(description="Cadastre identifier of the site")
    name: Text
    coordinates: GeoPoint = Field(description="A reference point of the site (e.g. the pit)")
    boundary: GeoPolygon | None = None


class Period(Part):
    """A period of validity in whole days; ``endDate`` is optional (an open-ended period)."""

    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end_date is not None and self.end_date <= self.start_date:
            raise field_error("endDate", "must be after startDate")
        return self
