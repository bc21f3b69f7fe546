"""Mend's one typed configuration, loaded once.

Order: the defaults defined here -> ``config.yaml`` -> environment variables.
Secrets (Twilio credentials, the encryption key, the admin token) come only from
the environment and never from a file.

Every key is defined once below with its type, default and help text; a test keeps
``config.yaml`` in step with these definitions (every key present and commented).
An unknown key or a bad value raises :class:`ConfigError` naming the key and what
is expected.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from mend.errors import ConfigError

__all__ = ["Config", "load_config", "ConfigError", "Secrets", "parse_hhmm", "ROOT"]

ROOT = Path(__file__).resolve().parent.parent


def _opt(default, help: str, **checks):
    """A config field: its default, its help text and optional checks (min, max, choices)."""
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: default.copy(), metadata={"help": help, **checks})
    return field(default=default, metadata={"help": help, **checks})


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = _opt(
        "sqlite:///data/mend.db",
        "SQLAlchemy URL. Embedded default: a SQLite file under data/. "
        "Overridden by MEND_DATABASE_URL (e.g. postgresql+psycopg://127.0.0.1:5432/test).",
    )
    pool_size: int = _opt(5, "Connections per process (PostgreSQL only).", min=1, max=100)


@dataclass(frozen=True)
class CorpusConfig:
    path: str = _opt("content_corpus", "Folder of the content corpus (relative to the project root).")
    near_duplicate_threshold: float = _opt(
        0.93, "Two items whose embeddings are more similar than this are near-duplicates.", min=0.5, max=1.0
    )
    cache_dir: str = _opt("data/embeddings", "Where corpus embeddings are cached, keyed by model and content hash.")


@dataclass(frozen=True)
class RecommenderConfig:
    top_n: int = _opt(3, "How many items `mend recommend` returns by default.", min=1, max=50)
    history_entries: int = _opt(5, "How many recent journal entries shape a recommendation.", min=1, max=50)
    model_threads: int = _opt(
        1, "CPU threads for the embedding model. 1 leaves the other cores to the web server and database.",
        min=1, max=64,
    )
    model_backend: str = _opt(
        "onnx", "What runs the embedding model: onnx (ONNX Runtime, ~2.3x faster on CPU) or torch.",
        choices=("onnx", "torch"),
    )
    recency_half_life_days: float = _opt(
        3.0, "An entry this many days older weighs half as much.", min=0.1, max=365
    )
    mmr_lambda: float = _opt(
        0.9, "Relevance vs diversity in MMR: 1.0 is pure relevance.", min=0.0, max=1.0
    )
    cooldown_days: int = _opt(14, "An item sent to someone is not suggested to them again for this long.", min=0, max=365)
    min_score: float = _opt(
        0.25, "Below this similarity the best match is poor, so a general item for the track is sent.",
        min=-1.0, max=1.0,
    )
    chunk_words: int = _opt(120, "Long text is split into chunks of about this many words.", min=16, max=256)
    chunk_overlap_words: int = _opt(30, "Words shared between neighbouring chunks.", min=0, max=128)


@dataclass(frozen=True)
class SafetyConfig:
    threshold: float = _opt(
        0.5, "Model score at or above which a text counts as crisis; 0.5 is the operating point placed on the "
        "calibration split by `mend safety train` (lower catches more).",
        min=0.0, max=1.0,
    )
    reader: bool = _opt(
        True, "Blend the classifier with the fine-tuned reader (safety/reader.py): more crisis statements caught "
        "at the same false-alarm rate, for about half again the screening time per journal text. Off: the "
        "classifier alone, at its own threshold placed on the calibration split.",
    )
    crisis_pause_hours: int = _opt(
        72, "After a crisis message, regular suggestions pause this long.", min=0, max=24 * 60
    )
    checkin_after_crisis: bool = _opt(
        True, "During a crisis pause, send one gentle check-in instead of suggestions."
    )
    checkin_text: str = _opt(
        "Hi, it's Mend. We've been thinking of you since your last message. How are you doing today? "
        "If things feel heavy, you can call or text 988 any time.",
        "The gentle check-in sent during a crisis pause.",
    )
    crisis_replies: dict = _opt(
        {
            "US": "Thank you for telling us. You matter, and you don't have to carry this alone. Caring "
                  "counselors are there 24/7: call or text 988, chat at 988lifeline.org, or text HOME "
                  "to 741741. If you're in immediate danger, call 911.",
            "CA": "Thank you for telling us. You matter, and you don't have to carry this alone. Caring "
                  "counsellors are there 24/7: call or text 988 (Canada's suicide crisis helpline). "
                  "If you're in immediate danger, call 911.",
            "GB": "Thank you for telling us. You matter, and you don't have to carry this alone. "
                  "Samaritans are there 24/7: call free on 116 123, or text SHOUT to 85258. "
                  "If you're in immediate danger, call 999.",
            "default": "Thank you for telling us. You matter, and you don't have to carry this alone. "
                       "Please reach out now: findahelpline.com lists free, confidential crisis lines "
                       "near you. If you're in immediate danger, call your local emergency number.",
        },
        "Crisis reply per country (ISO code, from the sender's number); `default` for all others.",
    )


@dataclass(frozen=True)
class SmsConfig:
    program_name: str = _opt("Mend", "Program name used in consent and help texts.")
    operator_contact: str = _opt("help@mend.example", "Contact shown in HELP replies.")
    default_timezone: str = _opt(
        "America/New_York", "Time zone used when the number gives none (or several).", kind="tz"
    )
    default_daily_time: str = _opt("09:00", "Local time of the daily suggestion for new subscribers.", kind="hhmm")
    reply_with_suggestion: bool = _opt(True, "Answer a journal entry with one tailored suggestion.")
    rating_window_hours: int = _opt(
        24, "A rating counts as feedback if it comes this long after a suggestion.", min=1, max=24 * 14
    )
    max_request_bytes: int = _opt(64 * 1024, "Webhook bodies larger than this get 413.", min=1024, max=10 * 1024 * 1024)
    validity_period_seconds: int = _opt(
        3600, "Twilio ValidityPeriod: an undelivered message expires after this long.", min=1, max=36000
    )


@dataclass(frozen=True)
class SchedulerConfig:
    quiet_start: str = _opt("21:00", "Quiet hours begin (recipient's local time).", kind="hhmm")
    quiet_end: str = _opt("08:00", "Quiet hours end (recipient's local time).", kind="hhmm")
    max_lateness_minutes: int = _opt(
        180, "A due message later than this (e.g. after downtime) is dropped, not sent.", min=1, max=24 * 60
    )
    max_messages_per_day: int = _opt(
        6, "At most this many outbound messages per subscriber per local day, replies included.", min=1, max=100
    )
    social_days_per_week: int = _opt(2, "Days a week whose daily message is a social-engagement nudge.", min=0, max=7)
    nudge_enabled: bool = _opt(True, "Send a short self-care nudge on days with no social nudge.")
    dispatch_rate_per_second: float = _opt(
        10.0, "Sends per second per worker (Twilio allows about 1/s per long code, more for short codes).",
        min=0.1, max=1000,
    )
    dispatch_batch: int = _opt(100, "Rows a dispatcher claims at once.", min=1, max=10000)
    dispatch_concurrency: int = _opt(
        8, "Sends a dispatcher has in flight at once, each from its own thread. Rows are re-checked and "
        "stamped together in waves of this many (fewer if dispatch_rate_per_second allows fewer in a second); "
        "1 sends one at a time.", min=1, max=32,
    )
    max_attempts: int = _opt(6, "Attempts for a transient failure before giving up.", min=1, max=50)
    backoff_base_seconds: float = _opt(30.0, "First retry delay; doubles each attempt, with jitter.", min=0.1, max=3600)
    unknown_after_seconds: int = _opt(
        120, "A send claimed this long ago with no outcome is reconciled with Twilio.", min=5, max=86400
    )
    plan_interval_seconds: int = _opt(600, "How often the planner runs.", min=10, max=86400)
    dispatch_interval_seconds: int = _opt(15, "How often the dispatcher runs.", min=1, max=3600)
    reconcile_interval_seconds: int = _opt(300, "How often unknown sends are reconciled.", min=10, max=86400)
    misfire_grace_seconds: int = _opt(
        60, "APScheduler misfire_grace_time for Mend's periodic jobs (they are idempotent, so coalesced).",
        min=1, max=86400,
    )
    retention_days: int = _opt(365, "Journal entries and messages older than this are deleted.", min=1, max=3650)


@dataclass(frozen=True)
class ServerConfig:
    host: str = _opt("127.0.0.1", "Address `mend serve` binds to.")
    port: int = _opt(8000, "Port `mend serve` listens on.", min=1, max=65535)
    public_url: str = _opt(
        "http://127.0.0.1:8000", "Public base URL Twilio calls (signatures are checked against it). "
        "Overridden by MEND_PUBLIC_URL.",
    )
    trust_forwarded_headers: bool = _opt(
        True, "Use X-Forwarded-Proto/Host from a reverse proxy when checking signatures."
    )
    console_session_hours: int = _opt(12, "An operator console login lasts this long.", min=1, max=24 * 30)
    corpus_watch_seconds: float = _opt(
        3.0, "How often `mend serve` checks the corpus files for edits and hot-reloads them (0: off).",
        min=0.0, max=3600,
    )


@dataclass(frozen=True)
class Secrets:
    """Secrets, from the environment only."""

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    encryption_key: str | None = None
    admin_token: str | None = None

    @classmethod
    def from_env(cls, env: typing.Mapping[str, str]) -> Secrets:
        def get(name):
            value = env.get(name, "").strip()
            return value or None

        return cls(
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_from_number=get("TWILIO_FROM_NUMBER"),
            twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
            encryption_key=get("MEND_ENCRYPTION_KEY"),
            admin_token=get("MEND_ADMIN_TOKEN"),
        )

    def __repr__(self) -> str:  # never print a secret
        present = [f.name for f in dataclasses.fields(self) if getattr(self, f.name)]
        return f"Secrets(set={present})"


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    recommender: RecommenderConfig = field(default_factory=RecommenderConfig)
    safety: SafetyConfig = field(default_factory=SafetyConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    secrets: Secrets = field(default_factory=Secrets, repr=False)
    root: Path = field(default=ROOT, repr=False)

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the project root unless absolute."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p

    def replace(self, **sections) -> Config:
        """A copy with some sections' fields replaced: ``cfg.replace(scheduler={"quiet_start": "22:00"})``."""
        changes = {}
        for name, values in sections.items():
            current = getattr(self, name)
            changes[name] = dataclasses.replace(current, **values) if isinstance(values, dict) else values
        return dataclasses.replace(self, **changes)


SECTIONS = {f.name: f.type for f in dataclasses.fields(Config) if f.name not in ("secrets", "root")}
_SECTION_CLASSES = {
    "database": DatabaseConfig,
    "corpus": CorpusConfig,
    "recommender": RecommenderConfig,
    "safety": SafetyConfig,
    "sms": SmsConfig,
    "scheduler": SchedulerConfig,
    "server": ServerConfig,
}

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str) -> time:
    m = _HHMM.match(value.strip())
    if not m:
        raise ValueError(f"expected a time as HH:MM (00:00-23:59), got {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


def _check_value(key: str, f: dataclasses.Field, value):
    expected = typing.get_type_hints(_owner_of(f))[f.name]
    meta = f.metadata
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, "expected true or false", value)
    elif expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, "expected a whole number", value)
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(key, "expected a number", value)
        value = float(value)
    elif expected is str:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(key, "expected a non-empty string", value)
    elif expected is dict:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
        ):
            raise ConfigError(key, "expected a mapping of names to non-empty strings", value)
    if "min" in meta and value < meta["min"]:
        raise ConfigError(key, f"expected at least {meta['min']}", value)
    if "max" in meta and value > meta["max"]:
        raise ConfigError(key, f"expected at most {meta['max']}", value)
    kind = meta.get("kind")
    if kind == "hhmm":
        try:
            parse_hhmm(value)
        except ValueError as exc:
            raise ConfigError(key, str(exc).split(",")[0], value) from None
    if kind == "tz":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(key, "expected an IANA time zone such as Europe/London", value) from None
    return value


_FIELD_OWNER: dict[int, type] = {}


def _owner_of(f: dataclasses.Field) -> type:
    return _FIELD_OWNER[id(f)]


for _cls in _SECTION_CLASSES.values():
    for _f in dataclasses.fields(_cls):
        _FIELD_OWNER[id(_f)] = _cls


def build_config(data: typing.Mapping | None, env: typing.Mapping[str, str] | None = None, root: Path = ROOT) -> Config:
    """Validate a parsed YAML mapping (and the environment) into a :class:`Config`."""
    data = data or {}
    env = os.environ if env is None else env
    if not isinstance(data, dict):
        raise ConfigError("(top level)", "expected a mapping of sections", type(data).__name__)
    sections = {}
    for name, section_data in data.items():
        if name not in _SECTION_CLASSES:
            raise ConfigError(name, f"unknown section (known: {', '.join(_SECTION_CLASSES)})")
        if section_data is None:
            section_data = {}
        if not isinstance(section_data, dict):
            raise ConfigError(name, "expected a mapping of keys", section_data)
        cls = _SECTION_CLASSES[name]
        known = {f.name: f for f in dataclasses.fields(cls)}
        values = {}
        for key, value in section_data.items():
            if key not in known:
                raise ConfigError(f"{name}.{key}", f"unknown key (known in {name}: {', '.join(known)})")
            values[key] = _check_value(f"{name}.{key}", known[key], value)
        sections[name] = cls(**values)
    # Defaults are checked too, so a bad default is caught by the tests.
    for name, cls in _SECTION_CLASSES.items():
        sections.setdefault(name, cls())
    if env.get("MEND_DATABASE_URL", "").strip():
        sections["database"] = dataclasses.replace(sections["database"], url=env["MEND_DATABASE_URL"].strip())
    if env.get("MEND_PUBLIC_URL", "").strip():
        sections["server"] = dataclasses.replace(sections["server"], public_url=env["MEND_PUBLIC_URL"].strip())
    if "default" not in sections["safety"].crisis_replies:
        raise ConfigError("safety.crisis_replies", "expected a `default` entry for countries not listed")
    return Config(**sections, secrets=Secrets.from_env(env), root=root)


def load_config(path: str | Path | None = None, env: typing.Mapping[str, str] | None = None) -> Config:
    """Load ``config.yaml`` (or ``MEND_CONFIG`` / ``path``) once into a validated :class:`Config`."""
    env = os.environ if env is None else env
    path = Path(path or env.get("MEND_CONFIG") or ROOT / "config.yaml")
    if not path.exists():
        raise ConfigError(str(path), "file not found (set MEND_CONFIG or create config.yaml)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(where, f"not valid YAML ({getattr(exc, 'problem', exc)})") from None
    return build_config(data, env=env, root=path.resolve().parent)


def config_fields():
    """(section, key, default, help) for every key: used by the docs test and `mend config`."""
    for name, cls in _SECTION_CLASSES.items():
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            yield name, f.name, default, f.metadata["help"]

