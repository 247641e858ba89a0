"""Vouchers and prepaid cards: generation in batches (random, non-sequential card
numbers, PINs encrypted at rest), listing, revocation, CSV export, print sheets."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..cards import WORDS, Card, CardSheet, tariff_summary
from ..crypto import DIGITS, SAFE_ALNUM, PinCipher, random_string
from ..db import affected
from ..errors import InvalidInput, NotFound
from ..models import Owner, Tariff, Voucher, VoucherBatch
from ..routers.outbox import queue_for_sessions
from .sessions import voucher_sessions

#: alnum: no 0/O and 1/I, and no L either (read as 1 or l on small print).
PIN_ALPHABETS = {"digits": DIGITS, "alnum": SAFE_ALNUM.replace("L", "")}


@dataclass(frozen=True)
class IssuedVoucher:
    voucher: Voucher
    pin: str

    @property
    def code(self) -> str:
        return self.voucher.code


def _check_batch(
    owner: Owner,
    tariff: Tariff,
    count: int,
    code_length: int,
    pin_length: int,
    prefix: str,
    pin_alphabet: str,
    face_value: Decimal | int | str | None,
    unsold_expiry: int | None,
) -> Decimal | None:
    """Refuse a batch that cannot be made; the face value as a Decimal."""
    if not 1 <= count <= 10000:
        raise InvalidInput("count: 1 to 10000 per batch")
    if not 6 <= code_length <= 20 or not 4 <= pin_length <= 12:
        raise InvalidInput("code length 6-20, PIN length 4-12")
    if not re.fullmatch(r"[0-9A-Z]{0,8}", prefix) or len(prefix) >= code_length:
        raise InvalidInput(
            "prefix: up to 8 digits or capital letters, shorter than the code"
        )
    if pin_alphabet not in PIN_ALPHABETS:
        raise InvalidInput("PIN alphabet: digits or alnum")
    if tariff.owner_id != owner.id:
        raise InvalidInput("the tariff belongs to another owner")
    if tariff.archived:
        raise InvalidInput("the tariff is archived")
    value = Decimal(str(face_value)) if face_value is not None else None
    if value is not None and value <= 0:
        raise InvalidInput("face value must be positive")
    if tariff.kind == "metered" and value is None:
        raise InvalidInput("metered cards need a face value (their balance)")
    if unsold_expiry is not None and unsold_expiry <= 0:
        raise InvalidInput("expiry of unsold cards must be positive")
    return value


def _free_codes(
    session: Session, count: int, prefix: str, code_length: int
) -> set[str]:
    """``count`` card numbers no card has yet. Drawn until the batch is full: a
    fresh draw may hit a code taken in the database or one already in this batch,
    and neither may shrink the batch."""
    body = code_length - len(prefix)
    codes: set[str] = set()
    for _ in range(100):
        missing = count - len(codes)
        if not missing:
            break
        # The first digit is never 0 so codes survive spreadsheets.
        fresh = {
            prefix + random_string(1, DIGITS[1:]) + random_string(body - 1)
            for _ in range(missing)
        } - codes
        taken = set(
            session.scalars(select(Voucher.code).where(Voucher.code.in_(fresh)))
        )
        codes |= fresh - taken
    if len(codes) < count:
        raise InvalidInput("too few free card numbers of this length: make them longer")
    return codes


def generate_vouchers(
    session: Session,
    owner: Owner,
    tariff: Tariff,
    count: int,
    cipher: PinCipher,
    *,
    code_length: int = 10,
    pin_length: int = 6,
    prefix: str = "",
    pin_alphabet: str = "digits",
    face_value: Decimal | int | str | None = None,
    unsold_expiry: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> list[IssuedVoucher]:
    """Make a batch of ``count`` vouchers carrying a snapshot of ``tariff``'s limits.

    ``face_value``: the balance of metered cards (or the printed value of prepaid
    ones). ``unsold_expiry``: seconds after which a card never used expires."""
    now = now or dt.datetime.now(dt.UTC)
    value = _check_batch(
        owner,
        tariff,
        count,
        code_length,
        pin_length,
        prefix,
        pin_alphabet,
        face_value,
        unsold_expiry,
    )
    codes = _free_codes(session, count, prefix, code_length)
    batch = VoucherBatch(
        owner_id=owner.id,
        tariff_id=tariff.id,
        count=count,
        prefix=prefix,
        face_value=value,
        note=note[:200],
        created_at=now,
    )
    session.add(batch)
    session.flush()
    expires = []
    if tariff.validity_from == "creation" and tariff.validity_seconds:
        expires.append(now + dt.timedelta(seconds=tariff.validity_seconds))
    sell_by = now + dt.timedelta(seconds=unsold_expiry) if unsold_expiry else None
    issued = []
    alphabet = PIN_ALPHABETS[pin_alphabet]
    for code in sorted(codes, key=lambda _: random_string(8)):
        pin = random_string(pin_length, alphabet)
        voucher = Voucher(
            owner_id=owner.id,
            tariff_id=tariff.id,
            batch_id=batch.id,
            code=code,
            pin_encrypted=cipher.encrypt(pin),
            status="new",
            time_limit=tariff.time_limit,
            data_limit=tariff.data_limit,
            rate_limit=tariff.rate_limit,
            idle_timeout=tariff.idle_timeout,
            validity_seconds=(
                tariff.validity_seconds if tariff.validity_from == "first_use" else None
            ),
            expires_at=min(expires) if expires else None,
            sell_by=sell_by,
            max_devices=tariff.max_devices,
            face_value=value,
            price_per_mb=tariff.price_per_mb,
            price_per_minute=tariff.price_per_minute,
            used_seconds=0,
            used_bytes=0,
        )
        session.add(voucher)
        issued.append(IssuedVoucher(voucher, pin))
    session.flush()
    return issued


def voucher_dict(v: Voucher) -> dict[str, object]:
    """A voucher as JSON-ready data, without its PIN (CLI --json and the API)."""
    return {
        "code": v.code,
        "batch": v.batch_id,
        "status": v.status,
        "used_seconds": v.used_seconds,
        "used_bytes": v.used_bytes,
        "expires_at": v.expires_at.isoformat() if v.expires_at else None,
        "sell_by": v.sell_by.isoformat() if v.sell_by else None,
        "activated_at": v.activated_at.isoformat() if v.activated_at else None,
        "face_value": None if v.face_value is None else str(v.face_value),
    }


def get_voucher(session: Session, owner: Owner, code: str) -> Voucher:
    """A voucher of this owner (another owner's is as good as unknown)."""
    voucher = session.scalar(
        select(Voucher).where(Voucher.owner_id == owner.id, Voucher.code == code)
    )
    if voucher is None:
        raise NotFound("no voucher %(code)r", code=code)
    return voucher


def list_vouchers(
    session: Session,
    owner: Owner,
    *,
    batch_id: int | None = None,
    status: str | None = None,
    limit: int = 1000,
) -> list[Voucher]:
    query = select(Voucher).where(Voucher.owner_id == owner.id)
    if batch_id is not None:
        query = query.where(Voucher.batch_id == batch_id)
    if status:
        query = query.where(Voucher.status == status)
    return list(session.scalars(query.order_by(Voucher.id).limit(limit)))


def revoke_voucher(
    session: Session, owner: Owner, code: str, now: dt.datetime
) -> Voucher:
    """Revoke a card: RADIUS refuses it from now on, and its open sessions get a
    Disconnect (queued in this transaction)."""
    voucher = get_voucher(session, owner, code)
    if voucher.status != "revoked":
        voucher.status = "revoked"
        voucher.revoked_at = now
        session.flush()
    queue_for_sessions(
        session, voucher_sessions(session, voucher), "voucher_revoked", now
    )
    return voucher


def get_batch(session: Session, owner: Owner, batch_id: int) -> VoucherBatch:
    batch = session.get(VoucherBatch, batch_id)
    if batch is None or batch.owner_id != owner.id:
        raise NotFound("no batch %(batch)s", batch=batch_id)
    return batch


def export_batch_csv(
    session: Session, owner: Owner, batch_id: int, cipher: PinCipher
) -> str:
    """The batch as CSV (card, PIN, tariff, status, expiry, face value) for a printer
    or a reseller."""
    batch = get_batch(session, owner, batch_id)
    tariff = session.get(Tariff, batch.tariff_id) if batch.tariff_id else None
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["code", "pin", "tariff", "status", "expires_at", "sell_by", "face_value"]
    )
    for v in list_vouchers(session, owner, batch_id=batch.id, limit=10000):
        writer.writerow(
            [
                v.code,
                cipher.decrypt(v.pin_encrypted) or "",
                tariff.name if tariff else "",
                v.status,
                v.expires_at.isoformat() if v.expires_at else "",
                v.sell_by.isoformat() if v.sell_by else "",
                v.face_value if v.face_value is not None else "",
            ]
        )
    return out.getvalue()


def batch_sheet(
    session: Session,
    owner: Owner,
    batch_id: int,
    cipher: PinCipher,
    portal_url: str,
    per_page: int = 10,
    language: str = "en",
) -> CardSheet:
    """What the print sheet (HTML or PDF) of a batch shows, in the guests'
    ``language`` (hotspot.cards.WORDS)."""
    if language not in WORDS:
        raise InvalidInput("language: one of %(languages)s", languages=", ".join(WORDS))
    batch = get_batch(session, owner, batch_id)
    tariff = session.get(Tariff, batch.tariff_id) if batch.tariff_id else None
    vouchers = list_vouchers(session, owner, batch_id=batch.id, limit=10000)
    price = ""
    if batch.face_value is not None:
        price = f"{batch.face_value:f} {tariff.currency if tariff else ''}".strip()
    elif tariff and tariff.price:
        price = f"{tariff.price:f} {tariff.currency}"
    return CardSheet(
        venue=owner.display_name or owner.name,
        tariff=tariff.name if tariff else "",
        summary=tariff_summary(
            tariff.time_limit if tariff else None,
            tariff.data_limit if tariff else None,
            tariff.rate_limit if tariff else None,
            tariff.validity_seconds if tariff else None,
        ),
        portal_url=portal_url,
        cards=[Card(v.code, cipher.decrypt(v.pin_encrypted) or "") for v in vouchers],
        per_page=per_page,
        price=price,
        language=language,
    )


def mark_expired_vouchers(session: Session, now: dt.datetime) -> int:
    """Give vouchers past their validity (or unsold past their sell-by date) the
    status ``expired``, for reports; RADIUS refuses them either way."""
    from sqlalchemy import and_, or_, update

    validity_end = Voucher.activated_at + Voucher.validity_seconds * dt.timedelta(
        seconds=1
    )
    result = session.execute(
        update(Voucher)
        .where(
            Voucher.status.in_(("new", "active")),
            or_(
                Voucher.expires_at <= now,
                and_(Voucher.activated_at.is_(None), Voucher.sell_by <= now),
                and_(Voucher.activated_at.is_not(None), validity_end <= now),
            ),
        )
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return affected(result)
