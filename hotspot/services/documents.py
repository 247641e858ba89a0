"""What the cabinet lists of document logins: the hotel registrations and travel
tickets a venue enters for guests to match against, and the identifications made
with them (hotspot.services.identification matches and imports them).

The organiser keeps guests' data confidential (the MITC rule): lists of who logged
in show the surname and a ticket number masked (:func:`mask_name`,
:func:`mask_reference`); a room number is the venue's own and shown as it is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..models import Identification, Owner, Registration, Router
from .identification import _norm_reference, _norm_surname

KINDS = ("hotel", "ticket")


def mask_name(surname: str) -> str:
    """``IVANOV`` -> ``I*****``: whoever reads the list cannot learn the name."""
    name = surname.strip()
    return (name[:1] + "*" * max(len(name) - 1, 2)) if name else ""


def mask_reference(kind: str, reference: str) -> str:
    """A ticket number keeps its first two and last two characters; a room number
    is shown."""
    if kind != "ticket" or len(reference) <= 4:
        return reference if kind != "ticket" else "*" * len(reference)
    return reference[:2] + "*" * (len(reference) - 4) + reference[-2:]


def split_reference(ident: Identification) -> tuple[str, str]:
    """(reference, surname) of a document identification ("hotel 101 / IVANOV")."""
    _, _, rest = ident.reference.partition(" ")
    ref, _, name = rest.partition(" / ")
    return ref, name


def identifications_query(
    owner_id: int,
    kind: str | None = None,
    router_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Select[Any]:
    """(Identification, router's NAS id) of an owner's document logins, newest
    first, filtered by kind, router and period (created in [since, until))."""
    query: Any = (
        select(Identification, Router.nas_identifier)
        .outerjoin(Router, Router.id == Identification.router_id)
        .where(
            Identification.owner_id == owner_id,
            Identification.method.in_([kind] if kind in KINDS else KINDS),
        )
        .order_by(Identification.created_at.desc(), Identification.id.desc())
    )
    if router_id is not None:
        query = query.where(Identification.router_id == router_id)
    if since is not None:
        query = query.where(Identification.created_at >= since)
    if until is not None:
        query = query.where(Identification.created_at < until)
    return query  # type: ignore[no-any-return]


def registrations_query(
    owner_id: int, kind: str | None = None, valid_at: dt.datetime | None = None
) -> Select[Any]:
    """An owner's registrations, the latest ending first; ``valid_at``: only those
    good at that time."""
    query = (
        select(Registration)
        .where(Registration.owner_id == owner_id)
        .order_by(Registration.valid_until.desc(), Registration.id.desc())
    )
    if kind in KINDS:
        query = query.where(Registration.kind == kind)
    if valid_at is not None:
        query = query.where(
            Registration.valid_from <= valid_at, Registration.valid_until > valid_at
        )
    return query


def add_registration(
    session: Session,
    owner: Owner,
    kind: str,
    reference: str,
    surname: str,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> Registration:
    """One registration typed in (the CSV import's rules: normalised reference and
    surname, the period ends after it starts)."""
    if kind not in KINDS:
        raise InvalidInput("kind: hotel or ticket")
    ref, name = _norm_reference(reference), _norm_surname(surname)
    if not ref or not name or len(ref) > 40 or len(name) > 100:
        raise InvalidInput("reference and surname are required")
    start, end = valid_from, valid_until
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("dates need a time zone")
    if end <= start:
        raise InvalidInput("valid_until must be after valid_from")
    reg = Registration(
        owner_id=owner.id,
        kind=kind,
        reference=ref,
        surname=name,
        valid_from=start,
        valid_until=end,
    )
    session.add(reg)
    session.flush()
    return reg


def remove_registration(
    session: Session, owner: Owner, registration_id: int
) -> Registration:
    """Delete one of the owner's registrations (another owner's: NotFound). The
    identifications made with it stay (the log of who logged in)."""
    reg = session.get(Registration, registration_id)
    if reg is None or reg.owner_id != owner.id:
        raise NotFound("no such registration")
    session.delete(reg)
    session.flush()
    return reg
