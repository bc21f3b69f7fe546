"""SMS: the gateway interface (Twilio and in-memory), segments, keywords, webhooks, the conversation.

Public surface (heavier modules are imported from their own names, not from here):

- ``sms.gateway``: ``SmsGateway``, ``InMemoryGateway``, ``OutboundSms``, ``SendResult``, ``ProviderMessage``
- ``sms.twilio_gateway.TwilioGateway``; ``sms.fake_twilio.FakeTwilio`` (tests and `mend simulate`)
- ``sms.conversation.handle_inbound(services, *, phone, body, message_sid, now) -> Reply``
- ``sms.webhook.router`` (``/sms/inbound``, ``/sms/status``), ``sms.webhook.verify_signature``
- ``sms.keywords.parse``, ``sms.timeparse``, ``sms.segments.count_segments``, ``sms.replies``
"""

from sms.errors import DeliveryError, LookupFailed, SmsError, mask_phone
from sms.gateway import InMemoryGateway, OutboundSms, ProviderMessage, SendResult, SmsGateway

__all__ = [
    "SmsGateway", "InMemoryGateway", "OutboundSms", "SendResult", "ProviderMessage",
    "DeliveryError", "LookupFailed", "SmsError", "mask_phone",
]
