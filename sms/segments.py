"""How many SMS segments a text needs: GSM-7 when every character fits, else UCS-2.

GSM-7 (3GPP TS 23.038): the basic character set costs one septet per character; the
extension table (``^ { } \\ [ ~ ] | €`` and form feed) costs two (an escape plus the
character). One segment holds 160 septets; a concatenated message holds 153 per segment,
and an escape pair is never split across segments.

UCS-2: any character outside GSM-7 switches the whole text to UTF-16 code units, 70 in a
single segment, 67 per segment when concatenated (a surrogate pair is never split).

    >>> count_segments("Hello")
    ('GSM-7', 1, 5)
"""

from __future__ import annotations

__all__ = ["count_segments", "GSM7", "UCS2", "GSM7_BASIC", "GSM7_EXTENSION"]

GSM7 = "GSM-7"
UCS2 = "UCS-2"

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}


def _costs(text: str) -> tuple[str, list[int]]:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return GSM7, [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return UCS2, [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> tuple[str, int, int]:
    """(encoding, segments, units) for ``text``; units are septets (GSM-7) or UTF-16 code units (UCS-2)."""
    encoding, costs = _costs(text)
    units = sum(costs)
    single, multi = _LIMITS[encoding]
    if units <= single:
        return encoding, 1, units
    segments, used = 1, 0
    for cost in costs:  # pack greedily; an escape pair or surrogate pair stays whole
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return encoding, segments, units
