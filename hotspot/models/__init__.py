"""The domain model. Importing this package registers every table on ``Base``."""

from .accounting import RadiusSession
from .base import Base
from .tariffs import Tariff
from .tenancy import Owner, Router
from .tickets import LoginTicket
from .vouchers import Voucher, VoucherStatus

__all__ = [
    "Base",
    "LoginTicket",
    "Owner",
    "RadiusSession",
    "Router",
    "Tariff",
    "Voucher",
    "VoucherStatus",
]
