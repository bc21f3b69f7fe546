"""Every fixed text Mend sends in the conversation: warm, short, at most two SMS segments.

Plain ASCII (straight quotes, no dashes beyond "-") keeps them in GSM-7, so two segments
hold 306 characters; a test renders each template with long values and counts segments.
"""

from __future__ import annotations

from datetime import time

from mend.config import Config, parse_hhmm
from sms.timeparse import format_clock

__all__ = [
    "consent", "pending_reminder", "welcome", "welcome_back", "already_subscribed", "stopped",
    "help_text", "time_set", "time_usage", "time_quiet", "tz_set", "tz_usage", "paused", "resumed",
    "not_paused", "rating_thanks", "rating_nothing", "forget_prompt", "forget_done", "forget_nothing",
    "journal_ack", "journal_reply", "more_on_hold", "more_reply", "more_nothing", "quiet_window",
]


def quiet_window(config: Config) -> tuple[str, str]:
    """The allowed window (from quiet_end to quiet_start) as "8am", "9pm"."""
    return format_clock(parse_hhmm(config.scheduler.quiet_end)), format_clock(parse_hhmm(config.scheduler.quiet_start))


def consent(config: Config) -> str:
    name = config.sms.program_name
    return (f"Hi, this is {name}: one gentle self-care idea a day by text, plus an occasional nudge "
            f"(up to {config.scheduler.max_messages_per_day} msgs/day). Msg & data rates may apply. "
            "Reply YES to join, HELP for help, STOP to cancel.")


def pending_reminder(config: Config) -> str:
    return (f"To start getting {config.sms.program_name} messages, reply YES. "
            "Reply HELP for help or STOP to cancel. Msg & data rates may apply.")


def _when(daily_time: str, timezone: str) -> str:
    return f"{format_clock(parse_hhmm(daily_time))} ({timezone.replace('_', ' ')})"


def welcome(config: Config, daily_time: str, timezone: str) -> str:
    return (f"Welcome to {config.sms.program_name}. We're glad you're here. Your daily suggestion comes at "
            f"{_when(daily_time, timezone)}. Change it with TIME 7:30pm or TZ London. You can text us "
            "what's on your mind any time. PAUSE for a break, STOP to end.")


def welcome_back(config: Config, daily_time: str, timezone: str) -> str:
    return (f"Welcome back to {config.sms.program_name}. Your daily suggestion comes at "
            f"{_when(daily_time, timezone)}. Change it with TIME or TZ. HELP for help, STOP to end.")


def already_subscribed(config: Config, daily_time: str, timezone: str) -> str:
    return (f"You're already with {config.sms.program_name}. Your daily suggestion comes at "
            f"{_when(daily_time, timezone)}. Text MORE for one now, or HELP for the commands.")


def stopped(config: Config) -> str:
    return (f"You're unsubscribed from {config.sms.program_name} and won't get more messages. "
            "Take care of yourself. Text START to come back any time.")


def help_text(config: Config) -> str:
    return (f"{config.sms.program_name}: a daily self-care idea by text. Text what's on your mind any time. "
            "TIME 7pm, TZ London, PAUSE 3 days, RESUME, MORE, FORGET, STOP. "
            f"Help: {config.sms.operator_contact}. In crisis: call or text 988 (US) or your local "
            "emergency number.")


def time_set(daily_time: str, timezone: str) -> str:
    return f"Done. Your daily suggestion will now come at {_when(daily_time, timezone)}."


def time_usage(config: Config) -> str:
    start, end = quiet_window(config)
    return f"To change your daily time, text TIME and a time between {start} and {end}, like TIME 7:30pm or TIME 19:30."


def time_quiet(config: Config, asked: time) -> str:
    start, end = quiet_window(config)
    return (f"We keep nights quiet, so we can't send at {format_clock(asked)}. Please pick a time "
            f"between {start} and {end}, like TIME 7:30pm.")


def tz_set(daily_time: str, timezone: str) -> str:
    return f"Got it. Your time zone is now {timezone.replace('_', ' ')}, and your daily suggestion comes at {_when(daily_time, timezone)}."


def tz_usage() -> str:
    return "We didn't recognise that time zone. Try a city or zone, like TZ London, TZ New York or TZ Asia/Kolkata."


def paused(days: int | None) -> str:
    if days is None:
        return "Okay, we'll pause your daily messages until you text RESUME. We're here whenever you want us."
    unit = "day" if days == 1 else "days"
    return f"Okay, we'll pause your daily messages for {days} {unit}. Text RESUME to start again sooner."


def resumed(daily_time: str, timezone: str) -> str:
    return f"Welcome back. Your daily suggestions start again at {_when(daily_time, timezone)}."


def not_paused(daily_time: str, timezone: str) -> str:
    return f"You're not paused: your daily suggestion comes at {_when(daily_time, timezone)}."


def rating_thanks(score: int) -> str:
    if score >= 4:
        return "Thank you! Glad that one helped. We'll send more like it."
    if score <= 2:
        return "Thanks for telling us. We'll try something different next time."
    return "Thanks for the rating. It helps us choose what to send you."


def rating_nothing() -> str:
    return "Thanks! There's no recent suggestion to rate, though. Text MORE for one now."


def forget_prompt(minutes: int) -> str:
    return (f"This deletes your journal and history with us and unsubscribes you. To confirm, reply "
            f"FORGET YES (or just YES) within {minutes} minutes. Anything else keeps your data.")


def forget_done(config: Config) -> str:
    return (f"Done. We've deleted your journal and history, and you're unsubscribed from "
            f"{config.sms.program_name}. Take good care. Text START if you ever want to come back.")


def forget_nothing() -> str:
    return "There's nothing to delete for this number. Take good care."


def journal_ack() -> str:
    return "Thank you for sharing this with us. It's saved, and only you can ask us to delete it (text FORGET)."


def journal_reply(tip: str) -> str:
    return f"Thank you for sharing. Something that might help: {tip}"


def more_reply(tip: str) -> str:
    return f"Here's one more for you: {tip}"


def more_nothing() -> str:
    return "That's all we have for you right now. Your next suggestion comes at your usual time."


def more_on_hold() -> str:
    return ("We're holding suggestions for a little while and thinking of you. If things feel heavy, "
            "call or text 988 (US) or your local emergency number. Text RESUME when you're ready.")
