"""The domain model. Importing this package registers every table on ``Base``."""

from .accounting import AccountingDeadLetter, RadiusSession
from .accounts import Account, LoginAttempt, Role
from .actions import ActionKind, ActionState, RouterAction, SessionKeepalive
from .ads import AdBanner, AdEvent, VenueLogo
from .audit import AuditEntry
from .base import Base
from .identification import (
    DocumentAttempt,
    Identification,
    OtpChallenge,
    PhoneBlacklist,
    Registration,
)
from .retention import PurgeLog
from .sms import SmsMessage, SmsPrice, SmsStatus
from .speeds import SpeedOverride
from .stats import GuestDay, GuestDayCount, SessionRollup
from .tariffs import GuestMode, Tariff, TariffKind, ValidityFrom
from .tenancy import ApiToken, Owner, Router
from .tickets import LoginTicket
from .vouchers import AuthFailure, Voucher, VoucherBatch, VoucherStatus

__all__ = [
    "Account",
    "AccountingDeadLetter",
    "AdBanner",
    "AdEvent",
    "AuditEntry",
    "GuestDay",
    "GuestDayCount",
    "LoginAttempt",
    "Role",
    "SessionRollup",
    "SpeedOverride",
    "ActionKind",
    "ActionState",
    "RouterAction",
    "SessionKeepalive",
    "ApiToken",
    "AuditEntry",
    "AuthFailure",
    "DocumentAttempt",
    "GuestMode",
    "TariffKind",
    "ValidityFrom",
    "VoucherBatch",
    "Identification",
    "OtpChallenge",
    "PhoneBlacklist",
    "PurgeLog",
    "Registration",
    "SmsMessage",
    "SmsPrice",
    "SmsStatus",
    "Base",
    "LoginTicket",
    "Owner",
    "RadiusSession",
    "Router",
    "Tariff",
    "VenueLogo",
    "Voucher",
    "VoucherStatus",
]
