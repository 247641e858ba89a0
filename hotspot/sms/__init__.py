"""SMS delivery: gateway clients (Eskiz, Play Mobile, Twilio, a generic HTTP
gateway, a development outbox) behind one interface, and a dispatcher that records
every message, fails over between gateways and applies delivery reports.

Typical use (an OTP)::

    providers = build_providers(configs)          # once, at start-up
    message = queue_sms(session, owner.id, router.id, phone, "otp", now)
    session.commit()                               # recorded before it is sent
    deliver(session, message, f"Code: {code}", providers, now)
"""

from .base import (
    BaseProvider,
    DeliveryReport,
    HttpProvider,
    SendResult,
    SmsConfigError,
    SmsProvider,
    mask_phone,
)
from .dispatch import MAX_ATTEMPTS, apply_report, deliver, queue_sms
from .providers import (
    PROVIDER_TYPES,
    EskizProvider,
    GenericProvider,
    OutboxEntry,
    OutboxProvider,
    PlayMobileProvider,
    TwilioProvider,
    build_provider,
    build_providers,
    read_outbox,
)

__all__ = [
    "BaseProvider",
    "DeliveryReport",
    "EskizProvider",
    "GenericProvider",
    "HttpProvider",
    "MAX_ATTEMPTS",
    "OutboxEntry",
    "OutboxProvider",
    "PROVIDER_TYPES",
    "PlayMobileProvider",
    "SendResult",
    "SmsConfigError",
    "SmsProvider",
    "TwilioProvider",
    "apply_report",
    "build_provider",
    "build_providers",
    "deliver",
    "mask_phone",
    "queue_sms",
    "read_outbox",
]
