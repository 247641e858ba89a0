"""Voucher generation: random, non-sequential card numbers with encrypted PINs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto import DIGITS, PinCipher, random_string
from ..errors import InvalidInput
from ..models import Owner, Tariff, Voucher


@dataclass(frozen=True)
class IssuedVoucher:
    voucher: Voucher
    pin: str

    @property
    def code(self) -> str:
        return self.voucher.code


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
) -> list[IssuedVoucher]:
    """Make ``count`` vouchers carrying a snapshot of ``tariff``'s limits."""
    if not 1 <= count <= 10000:
        raise InvalidInput("count: 1 to 10000 per batch")
    if not 6 <= code_length <= 20 or not 4 <= pin_length <= 12:
        raise InvalidInput("code length 6-20, PIN length 4-12")
    if tariff.owner_id != owner.id:
        raise InvalidInput("the tariff belongs to another owner")
    if tariff.archived:
        raise InvalidInput("the tariff is archived")
    # Draw until the batch is full: a fresh draw may hit a code taken in the
    # database or one already in this batch, and neither may shrink the batch.
    codes: set[str] = set()
    for _ in range(100):
        missing = count - len(codes)
        if not missing:
            break
        # The first digit is never 0 so codes survive spreadsheets.
        fresh = {
            prefix + random_string(1, DIGITS[1:]) + random_string(code_length - 1)
            for _ in range(missing)
        } - codes
        taken = set(
            session.scalars(select(Voucher.code).where(Voucher.code.in_(fresh)))
        )
        codes |= fresh - taken
    if len(codes) < count:
        raise InvalidInput("too few free card numbers of this length: make them longer")
    issued = []
    for code in sorted(codes, key=lambda _: random_string(8)):
        pin = random_string(pin_length)
        voucher = Voucher(
            owner_id=owner.id,
            tariff_id=tariff.id,
            code=code,
            pin_encrypted=cipher.encrypt(pin),
            status="new",
            time_limit=tariff.time_limit,
            data_limit=tariff.data_limit,
            rate_limit=tariff.rate_limit,
            idle_timeout=tariff.idle_timeout,
            validity_seconds=tariff.validity_seconds,
            used_seconds=0,
            used_bytes=0,
        )
        session.add(voucher)
        issued.append(IssuedVoucher(voucher, pin))
    session.flush()
    return issued
