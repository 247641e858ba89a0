"""The API's request bodies, validated by pydantic: a wrong type, a missing field or
an unknown one is a 400 naming the field and the reason, never a 500.

Durations, sizes and rates stay strings in the operator's units (``90m``, ``1GB``,
``2M/4M``), parsed by the core; amounts are decimal numbers or strings of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from hotspot.errors import InvalidInput

Unit = Annotated[str, Field(min_length=1, max_length=64)]
Amount = Annotated[
    Decimal,
    Field(
        ge=0, le=Decimal("1e12"), allow_inf_nan=False, max_digits=20, decimal_places=4
    ),
]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class Body(BaseModel):
    # Lax mode turns JSON numbers into Decimals; a string field still refuses a
    # number, and counts and flags are strict.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TariffIn(Body):
    name: Name
    time: Unit | None = None
    data: Unit | None = None
    rate: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    validity: Unit | None = None
    idle: Unit | None = None
    price: Amount = Decimal(0)
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "UZS"
    kind: Literal["free", "prepaid", "metered"] = "prepaid"
    validity_from: Literal["first_use", "creation"] = "first_use"
    price_per_mb: Amount | None = None
    price_per_minute: Amount | None = None
    max_devices: Annotated[StrictInt, Field(ge=1, le=16)] = 1
    guest: StrictBool = False
    guest_mode: Literal["regular", "no_pause", "no-pause"] | None = None
    reset_period: Unit | None = None


class VouchersIn(Body):
    tariff: Name
    count: Annotated[StrictInt, Field(ge=1, le=10000)] = 1
    code_length: Annotated[StrictInt, Field(ge=6, le=20)] = 10
    pin_length: Annotated[StrictInt, Field(ge=4, le=12)] = 6
    pin_alphabet: Literal["digits", "alnum"] = "digits"
    prefix: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{0,8}$")] = ""
    face_value: Amount | None = None
    unsold_expiry: Unit | None = None
    note: Annotated[str, Field(max_length=200)] = ""


class SettingsIn(BaseModel):
    """Any of the venue settings (hotspot.venues); the core validates the values."""

    model_config = ConfigDict(extra="allow")


class RouterIn(Body):
    ip: Annotated[str, Field(min_length=2, max_length=45)] | None = None
    secret: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    require_message_authenticator: StrictBool | None = None
    title: Annotated[str, Field(max_length=200)] | None = None


class BlacklistIn(Body):
    phone: Annotated[str, Field(min_length=3, max_length=32)]
    reason: Annotated[str, Field(max_length=200)] = ""


class BodyError(InvalidInput):
    """A request body that does not fit its schema."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            f"{field}: {reason}" if field else reason,
            key=None if field else "bad_request",
        )
        self.field = field
        self.reason = reason


def parse(model: type[Body] | type[SettingsIn], data: Any) -> Any:
    """``data`` as ``model``, or :class:`BodyError` for the first problem."""
    if not isinstance(data, dict):
        raise BodyError("", "a JSON object is expected")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"])
        raise BodyError(field, first["msg"]) from None
