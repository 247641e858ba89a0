"""The domain model. Importing this package registers every table on ``Base``."""

from .accounting import RadiusSession
from .actions import ActionKind, ActionState, RouterAction, SessionKeepalive
from .base import Base
from .identification import (
    DocumentAttempt,
    Identification,
    OtpChallenge,
    PhoneBlacklist,
    Registration,
)
from .retention import PurgeLog
from .sms import SmsMessage, SmsStatus
from .tariffs import Tariff, TariffKind, ValidityFrom
from .tenancy import ApiToken, Owner, Router
from .tickets import LoginTicket
from .vouchers import AuthFailure, Voucher, VoucherBatch, VoucherStatus

__all__ = [
    "ActionKind",
    "ActionState",
    "RouterAction",
    "SessionKeepalive",
    "ApiToken",
    "AuthFailure",
    "DocumentAttempt",
    "TariffKind",
    "ValidityFrom",
    "VoucherBatch",
    "Identification",
    "OtpChallenge",
    "PhoneBlacklist",
    "PurgeLog",
    "Registration",
    "SmsMessage",
    "SmsStatus",
    "Base",
    "LoginTicket",
    "Owner",
    "RadiusSession",
    "Router",
    "Tariff",
    "Voucher",
    "VoucherStatus",
]
