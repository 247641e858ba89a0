"""Sending an SMS through the configured gateways, with a history row.

Every SMS is a :class:`~hotspot.models.SmsMessage` row before any gateway hears of
it (:func:`queue_sms`; commit it if the history must survive a crash mid-send).
:func:`deliver` then tries the providers in order, fails over on transient errors,
unavailable gateways and exhausted balances, stops at a rejection of the message,
and never sends a message twice once a gateway has accepted it.
:func:`apply_report` records delivery reports.

Log lines name the message id and the masked phone, never the number or the text.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..models import SmsMessage, SmsStatus
from .base import DeliveryReport, SendResult, SmsProvider, is_valid_phone, mask_phone

log = logging.getLogger("hotspot.sms")

#: Default cap on send attempts per message, over all :func:`deliver` calls.
MAX_ATTEMPTS = 3
_ERROR_LIMIT = 1000
_REPORT_LIMIT = 4000
_DONE = {SmsStatus.SENT.value, SmsStatus.DELIVERED.value}


def queue_sms(
    session: Session,
    owner_id: int,
    router_id: int | None,
    phone: str,
    template: str,
    now: dt.datetime,
) -> SmsMessage:
    """Record an SMS about to be sent (status ``queued``, a fresh ``client_ref``)
    and flush it. The text is not stored: ``template`` names it."""
    if not is_valid_phone(phone):
        raise InvalidInput("phone: E.164 digits without '+', e.g. 998901234567")
    if not 1 <= len(template) <= 32:
        raise InvalidInput("template: 1 to 32 characters")
    message = SmsMessage(
        owner_id=owner_id,
        router_id=router_id,
        phone=phone,
        template=template,
        client_ref=uuid.uuid4().hex,
        status=SmsStatus.QUEUED.value,
        attempts=0,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def deliver(
    session: Session,
    message: SmsMessage,
    text: str,
    providers: Sequence[SmsProvider],
    now: dt.datetime,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    check_balance: bool = True,
) -> SmsMessage:
    """Send ``message`` (a flushed row) with ``text`` through ``providers``.

    * Locks the row (``SELECT … FOR UPDATE``) and does nothing when it is already
      sent, delivered or rejected, or has used up ``max_attempts`` (counted over
      every call, so a later retry respects the cap).
    * Skips providers whose known balance is at or below their ``min_balance``
      (``check_balance``; balances are cached by the providers).
    * Tries providers in order, coming back round while attempts remain; a provider
      that answered a non-retryable failure (auth, funds) is not tried again.
    * Stops at the first acceptance (status ``sent``, ``provider``,
      ``provider_message_id``, ``sent_at``) or rejection (status ``rejected``);
      otherwise the row ends ``failed``. ``error`` keeps a note per failed attempt.
    """
    if not text:
        raise InvalidInput("empty SMS text")
    if max_attempts < 1:
        raise InvalidInput("max_attempts must be at least 1")
    session.flush()
    session.refresh(message, with_for_update=True)
    label = f"sms {message.id} to {mask_phone(message.phone)}"
    if message.status in _DONE or message.provider_message_id is not None:
        log.info("%s: already %s, not sent again", label, message.status)
        return message
    if message.status == SmsStatus.REJECTED.value:
        log.info("%s: rejected earlier, not sent again", label)
        return message
    if message.attempts >= max_attempts:
        _finish(session, message, SmsStatus.FAILED, message.error or "attempt limit")
        return message

    notes: list[str] = []
    usable = list(range(len(providers)))
    if check_balance:
        usable = [i for i in usable if _has_balance(providers[i], notes, label)]
    if not providers:
        notes.append("no SMS provider configured")

    while usable and message.attempts < max_attempts:
        for index in list(usable):
            if message.attempts >= max_attempts:
                break
            provider = providers[index]
            name = provider.name
            message.attempts += 1
            message.provider = name[:32]
            result = _send(provider, message, text, label)
            if result.accepted:
                message.provider_message_id = result.provider_message_id
                message.sent_at = now
                _finish(session, message, SmsStatus.SENT, _join(notes))
                log.info(
                    "%s: accepted by %s (attempt %d)", label, name, message.attempts
                )
                return message
            notes.append(f"{name}: {result.error}")
            log.warning(
                "%s: %s %s (attempt %d): %s",
                label,
                name,
                "rejected it" if result.status == "rejected" else "failed",
                message.attempts,
                result.error,
            )
            if result.status == SmsStatus.REJECTED.value:
                _finish(session, message, SmsStatus.REJECTED, _join(notes))
                return message
            if not result.retryable:
                usable.remove(index)
            session.flush()

    _finish(session, message, SmsStatus.FAILED, _join(notes) or "not sent")
    log.warning("%s: not sent after %d attempt(s)", label, message.attempts)
    return message


def apply_report(
    session: Session,
    provider_name: str,
    report: DeliveryReport | None,
    now: dt.datetime,
) -> SmsMessage | None:
    """Record a verified delivery report of ``provider_name``'s gateway.

    The row is found by ``provider_message_id``, else by ``client_ref``, among the
    messages that provider sent; unknown ids are ignored (``None``). ``delivered``
    sets status and ``delivered_at``; ``failed``/``expired`` set status ``failed``
    (a delivered message stays delivered: reports may arrive out of order); other
    statuses only store the raw report.
    """
    if report is None:
        return None
    message = None
    for column, value in (
        (SmsMessage.provider_message_id, report.provider_message_id),
        (SmsMessage.client_ref, report.client_ref),
    ):
        if message is None and value:
            message = session.scalar(
                select(SmsMessage)
                .where(SmsMessage.provider == provider_name, column == value)
                .with_for_update()
            )
    if message is None:
        log.info("sms report from %s for an unknown message ignored", provider_name)
        return None
    message.report = report.raw[:_REPORT_LIMIT]
    if report.status == "delivered" and message.status != SmsStatus.REJECTED.value:
        message.status = SmsStatus.DELIVERED.value
        message.delivered_at = message.delivered_at or now
    elif report.status in ("failed", "expired") and message.status in (
        SmsStatus.SENT.value,
        SmsStatus.QUEUED.value,
    ):
        message.status = SmsStatus.FAILED.value
        message.error = _join(
            [message.error or "", f"report: {report.error or report.status}"]
        )
    session.flush()
    log.info(
        "sms %s to %s: report %s from %s",
        message.id,
        mask_phone(message.phone),
        report.status,
        provider_name,
    )
    return message


def _has_balance(provider: SmsProvider, notes: list[str], label: str) -> bool:
    try:
        balance = provider.balance()
    except Exception:  # a provider outside this package may raise
        log.exception("%s: balance check of %s failed", label, provider.name)
        return True
    if balance is None or balance > provider.min_balance:
        return True
    notes.append(f"{provider.name}: balance {balance} too low")
    log.warning("%s: %s skipped, balance %s", label, provider.name, balance)
    return False


def _send(
    provider: SmsProvider, message: SmsMessage, text: str, label: str
) -> SendResult:
    try:
        return provider.send(message.phone, text, client_ref=message.client_ref)
    except Exception as exc:  # providers should not raise; record, do not crash
        log.exception("%s: provider %s raised", label, provider.name)
        return SendResult.unavailable(f"provider raised {type(exc).__name__}")


def _finish(
    session: Session, message: SmsMessage, status: SmsStatus, error: str | None
) -> None:
    message.status = status.value
    message.error = error or None
    session.flush()


def _join(notes: Sequence[str]) -> str:
    return "; ".join(n for n in notes if n)[:_ERROR_LIMIT]
