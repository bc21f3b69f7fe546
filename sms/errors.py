"""Errors of the SMS layer. Nothing above the gateway imports twilio.

SmsError
 +-- DeliveryError      the provider refused or failed a send
 |     .code            provider error code (e.g. 21610), or None
 |     .transient       True: retry later with backoff (20429, 5xx, connection refused before sending)
 |     .outcome_unknown True: the request may have gone out (timeout after sending); never resend blindly,
 |                      reconcile with lookup() first
 +-- LookupFailed       the provider could not be asked about earlier sends (retry the reconcile later)
 +-- InboundError       an inbound text Mend cannot take (no usable phone number or MessageSid);
                        the webhook answers 400
"""

from __future__ import annotations

# Permanent Twilio error codes Mend knows by name.
OPTED_OUT = 21610  # the recipient replied STOP to this sender
INVALID_NUMBER = 21211
NOT_MOBILE = 21614
LANDLINE = 30006
RATE_LIMITED = 20429  # transient
PERMANENT_CODES = frozenset({OPTED_OUT, INVALID_NUMBER, NOT_MOBILE, LANDLINE})


class SmsError(Exception):
    pass


class DeliveryError(SmsError):
    def __init__(self, *, to: str, code: int | None, transient: bool, outcome_unknown: bool = False,
                 detail: str = ""):
        self.to = to
        self.code = code
        self.transient = transient
        self.outcome_unknown = outcome_unknown
        self.detail = detail
        masked = mask_phone(to)
        kind = "outcome unknown" if outcome_unknown else ("transient" if transient else "permanent")
        super().__init__(f"send to {masked} failed ({kind}, code={code}){': ' + detail if detail else ''}")


class LookupFailed(SmsError):
    pass


class InboundError(SmsError, ValueError):
    pass


def mask_phone(phone: str | None) -> str:
    """+15555550123 -> +1555***0123: enough to tell numbers apart in logs, not to dial them."""
    if not phone:
        return "?"
    if len(phone) <= 8:
        return phone[:2] + "***"
    return phone[:5] + "***" + phone[-4:]
