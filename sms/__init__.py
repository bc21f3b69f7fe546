"""SMS: the gateway interface (Twilio and in-memory), segments, keywords, webhooks, the conversation."""

from sms.errors import DeliveryError, LookupFailed, SmsError, mask_phone
from sms.gateway import InMemoryGateway, OutboundSms, ProviderMessage, SendResult, SmsGateway

__all__ = [
    "SmsGateway", "InMemoryGateway", "OutboundSms", "SendResult", "ProviderMessage",
    "DeliveryError", "LookupFailed", "SmsError", "mask_phone",
]
