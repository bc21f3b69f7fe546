"""`mend simulate`: the real planner, dispatcher, reconciliation and inbound path, in simulated time.

A temporary SQLite database; the real :class:`~sms.twilio_gateway.TwilioGateway` against
:class:`~sms.fake_twilio.FakeTwilio` on 127.0.0.1 (its clock is the simulated one) with a
seeded share of transient faults (429, 500, 503, a connection reset before any answer, and a
hang after recording: outcome unknown); the real recommender and crisis screener. A fake clock
moves in 5-minute steps; at each step due inbound texts run through
:func:`sms.conversation.handle_inbound`, then the planner (every ``plan_interval_seconds``),
the dispatcher and reconciliation run as the jobs would.

Subscribers (fictional +1 555 555 01xx numbers) live in world zones and behave like people:
they sign up (hi, YES, TZ, TIME), write journal entries (a few in crisis), rate suggestions,
ask for MORE, change their time, pause for a couple of days, and opt out and back in.

The summary is computed independently of Mend's own bookkeeping: from what the fake Twilio
received and the simulation's own record of what each person did and when.

- ``duplicates``: two messages with the same text to the same number within 24 hours;
- ``quiet_hour_sends``: messages sent inside quiet hours in the recipient's zone (replies
  to a person's own text are TwiML answers, not sends, and are not counted);
- ``sends_after_opt_out``: messages sent while the person had opted out;
- ``missed_daily_suggestions``: local days on which a signed-up, active, unpaused person
  (with no crisis pause, opt-out or time change that day or the day before) got no
  suggestion between their daily time and ``max_lateness_minutes`` after it, although
  every fault injected for them was transient (all injected faults are).
  Daily times are chosen so that the afternoon nudge never falls inside that window.
"""

from __future__ import annotations

import json
import random
import tempfile
import time as wall
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mend.config import Config, parse_hhmm
from scheduler.dispatch import dispatch
from scheduler.errors import SimulationError
from scheduler.localtime import is_quiet, local_instant
from scheduler.pacing import RateLimiter
from scheduler.planner import plan
from scheduler.reconcile import reconcile

__all__ = ["SimulationSpec", "SimulationSummary", "run_simulation", "ZONES"]

ZONES = ("America/New_York", "America/Los_Angeles", "America/Chicago", "Europe/London", "Europe/Berlin",
         "Asia/Kolkata", "Australia/Sydney", "Asia/Tokyo")
DAILY_TIMES = ("08:30", "09:00", "10:15", "11:45", "12:00", "18:30", "19:45")
JOURNAL = (
    "My friend stopped answering my messages and I keep wondering what I did wrong.",
    "I didn't get the job after the final interview and I feel like I'm not good enough.",
    "My partner left last month and the evenings are the hardest.",
    "I wasn't invited to the party and everyone posted pictures.",
    "My family still won't talk to me since I came out.",
    "Today was a bit better, I went for a walk and called my sister.",
    "I keep replaying the rejection in my head before I sleep.",
)
CRISIS = ("I don't want to be alive anymore.", "I want to kill myself tonight.")
STEP = timedelta(minutes=5)
PEOPLE_HOURS = (9, 20)  # people text between 09:00 and 20:00 local


@dataclass(frozen=True)
class SimulationSpec:
    days: int
    subscribers: int
    start: date
    seed: int = 1
    fault_rate: float = 0.0


@dataclass(frozen=True)
class SimulationSummary:
    messages_sent: int
    duplicates: int
    quiet_hour_sends: int
    sends_after_opt_out: int
    missed_daily_suggestions: int
    replies: int
    inbound: int
    faults_injected: int
    expected_daily_suggestions: int
    wall_seconds: float

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.quiet_hour_sends or self.sends_after_opt_out
                    or self.missed_daily_suggestions)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Person:
    phone: str
    tz: str
    daily: str
    # (from, until) intervals in UTC, by the simulation's own account.
    opted_out: list = field(default_factory=list)
    paused: list = field(default_factory=list)
    unsettled_days: set = field(default_factory=set)  # local dates with a time/zone change
    joined_at: datetime | None = None
    history: list = field(default_factory=list)  # (from utc, daily time) after each TIME

    def daily_at(self, at: datetime) -> str:
        current = self.daily if not self.history else self.history[0][2]
        for since, new, _old in self.history:
            if since <= at:
                current = new
        return current


def _inside(intervals, at: datetime) -> bool:
    return any(a <= at < b for a, b in intervals)


def _overlaps(intervals, lo: datetime, hi: datetime) -> bool:
    return any(a < hi and lo < b for a, b in intervals)


def fictional_number(n: int) -> str:
    """The n-th simulated subscriber's number: always a fictional 555-01xx line (01-99, as
    +15555550100 is the sender), moving to area codes 554, 553, ... past 99 subscribers."""
    return f"+1{555 - n // 99:03d}55501{n % 99 + 1:02d}"


def run_simulation(config: Config, spec: SimulationSpec, *, log_path: Path | None = None,
                   progress: bool = False, recommender=None, screener=None) -> SimulationSummary:
    if not 1 <= spec.subscribers <= 100:
        raise SimulationError(f"{spec.subscribers} subscribers", "give 1 to 100 (numbers are +1 555 555 0100-0199)")
    if spec.days < 1:
        raise SimulationError(f"{spec.days} days", "give at least one day")
    from cryptography.fernet import Fernet

    from mend.services import build_services
    from sms.conversation import handle_inbound
    from sms.fake_twilio import FakeTwilio
    from sms.twilio_gateway import TwilioGateway
    from storage import Cipher

    started = wall.perf_counter()
    rng = random.Random(spec.seed)
    sim_now = [datetime.combine(spec.start, time(0, 0), tzinfo=UTC)]
    end = sim_now[0] + timedelta(days=spec.days)
    with tempfile.TemporaryDirectory(prefix="mend-sim-") as tmp, \
            FakeTwilio(clock=lambda: sim_now[0], hang_seconds=1.5) as fake:
        cfg = config.replace(database={"url": f"sqlite:///{Path(tmp) / 'sim.db'}"})
        fake.set_fault_rate(spec.fault_rate, seed=spec.seed)
        gateway = TwilioGateway(fake.account_sid, fake.auth_token, from_number="+15555550100",
                                base_url=fake.base_url, timeout=0.5)
        services = build_services(cfg, cipher=Cipher(Fernet.generate_key()), clock=lambda: sim_now[0],
                                  gateway=gateway, recommender=recommender, screener=screener)
        people = [_Person(fictional_number(n), ZONES[n % len(ZONES)], rng.choice(DAILY_TIMES))
                  for n in range(spec.subscribers)]
        events = _behaviour(people, spec, rng, cfg)
        log = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
        inbound = replies = 0
        sid_counter = 0
        bar = _progress(progress, int((end - sim_now[0]) / STEP))
        try:
            t = sim_now[0]
            last_plan = None
            limiter = RateLimiter(cfg.scheduler.dispatch_rate_per_second, clock=lambda: 0.0, sleep=lambda _s: None)
            dispatch_rng = random.Random(spec.seed + 1)
            while t < end:
                while events and events[0][0] <= t:
                    at, person, text, text_kind = events.pop(0)
                    sim_now[0] = at
                    sid_counter += 1
                    reply = handle_inbound(services, phone=person.phone, body=text,
                                           message_sid=f"SM{sid_counter:032x}", now=at)
                    _apply_truth(person, text_kind, text, at, cfg)
                    inbound += 1
                    replies += len(reply.texts)
                    if log:
                        log.write(json.dumps({"from": person.phone, "received_at_utc": at.isoformat(),
                                              "text_kind": text_kind}) + "\n")
                        for kind in reply.out_kinds or ("reply",) * len(reply.texts):
                            log.write(json.dumps({"to": person.phone, "tz": person.tz, "sent_at_utc": at.isoformat(),
                                                  "kind": kind, "track": None, "item_id": None}) + "\n")
                sim_now[0] = t
                if last_plan is None or (t - last_plan).total_seconds() >= cfg.scheduler.plan_interval_seconds:
                    with services.sessions() as session:
                        plan(session, t, config=cfg)
                    last_plan = t
                dispatch(services.sessions, gateway, t, config=cfg, worker_id="sim", recommender=services.recommender,
                         cipher=services.cipher, rng=dispatch_rng, limiter=limiter)
                reconcile(services.sessions, gateway, t, config=cfg)
                t += STEP
                if bar:
                    bar[0].advance(bar[1])
        finally:
            if bar:
                bar[0].stop()
        sent = fake.messages
        faults = sum(1 for call in fake.calls if call[2] != "ok")
        summary = _score(cfg, people, sent, spec, end)
        missed_days = summary.pop("missed_days")
        if log:
            _log_outbound(log, services, sent, people)
            for line in missed_days:  # what the summary counts as missed, to look into
                log.write(json.dumps(line) + "\n")
            log.close()
        services.engine.dispose()
    return SimulationSummary(
        messages_sent=len(sent), replies=replies, inbound=inbound, faults_injected=faults,
        wall_seconds=round(wall.perf_counter() - started, 1), **summary,
    )


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                   TimeElapsedColumn())
    bar.start()
    return bar, bar.add_task("sim", total=total)


def _behaviour(people: list[_Person], spec: SimulationSpec, rng: random.Random, cfg: Config) -> list:
    """Every inbound text of the run, in time order: (utc, person, text, text_kind)."""
    events = []
    first = datetime.combine(spec.start, time(0, 0), tzinfo=UTC)
    for p in people:
        join = first + timedelta(minutes=rng.randrange(0, 60))
        events += [(join, p, "hi", "start"), (join + timedelta(minutes=1), p, "YES", "start"),
                   (join + timedelta(minutes=2), p, f"TZ {p.tz}", "tz"),
                   (join + timedelta(minutes=3), p, f"TIME {p.daily}", "time")]
        tz = ZoneInfo(p.tz)
        opted_out_until = None
        for d in range(spec.days):
            day = spec.start + timedelta(days=d)

            def at_local(hour_lo=PEOPLE_HOURS[0], hour_hi=PEOPLE_HOURS[1], day=day, tz=tz):
                minute = rng.randrange(hour_lo * 60, hour_hi * 60)
                return local_instant(day, time(minute // 60, minute % 60), tz)

            if d == 0:
                continue
            if opted_out_until is not None:
                if day >= opted_out_until:
                    events.append((at_local(), p, "START", "start"))
                    opted_out_until = None
                continue
            roll = rng.random()
            if roll < 0.5:
                events.append((at_local(), p, rng.choice(JOURNAL), "journal"))
            if rng.random() < 0.3:
                events.append((at_local(13, 20), p, rng.choice(("5", "4", "thumbs up", "2")), "rating"))
            if rng.random() < 0.05:
                events.append((at_local(), p, "MORE", "more"))
            r = rng.random()
            if r < 0.015:
                events.append((at_local(), p, rng.choice(CRISIS), "crisis"))
            elif r < 0.035:
                events.append((at_local(), p, "STOP", "stop"))
                opted_out_until = day + timedelta(days=rng.randint(1, 3))
            elif r < 0.05:
                events.append((at_local(), p, "PAUSE 2 days", "pause"))
            elif r < 0.08:
                events.append((at_local(), p, f"TIME {rng.choice(DAILY_TIMES)}", "time"))
    events.sort(key=lambda e: e[0])
    return events


def _apply_truth(p: _Person, text_kind: str, text: str, at: datetime, cfg: Config) -> None:
    """What the person's state is after their text, by the simulation's own account."""
    far = datetime.max.replace(tzinfo=UTC)  # opted out until further notice
    if text_kind == "start" and p.opted_out and p.opted_out[-1][1] == far:
        p.opted_out[-1] = (p.opted_out[-1][0], at)
    if text_kind == "start" and p.joined_at is None:
        p.joined_at = at
    if text_kind == "stop":
        p.opted_out.append((at, far))
    elif text_kind == "pause":
        p.paused.append((at, at + timedelta(days=2)))
    elif text_kind == "crisis":
        p.paused.append((at, at + timedelta(hours=cfg.safety.crisis_pause_hours)))
    elif text_kind in ("time", "tz"):
        if text_kind == "time":  # every simulated TIME is outside quiet hours, so it is accepted
            p.history.append((at, text.split()[1], p.daily))
            p.daily = text.split()[1]
        p.unsettled_days.add(at.astimezone(ZoneInfo(p.tz)).date())


def _score(cfg: Config, people: list[_Person], sent, spec: SimulationSpec, end: datetime) -> dict:
    qs, qe = parse_hhmm(cfg.scheduler.quiet_start), parse_hhmm(cfg.scheduler.quiet_end)
    lateness = timedelta(minutes=cfg.scheduler.max_lateness_minutes)
    by_phone = {p.phone: p for p in people}
    duplicates = quiet = after_opt_out = 0
    seen: dict[tuple[str, str], datetime] = {}
    for m in sorted(sent, key=lambda m: m.date_created):
        p = by_phone.get(m.to)
        if p is None:
            continue
        key = (m.to, m.body)
        if key in seen and m.date_created - seen[key] < timedelta(hours=24):
            duplicates += 1
        seen[key] = m.date_created
        local = m.date_created.astimezone(ZoneInfo(p.tz))
        if is_quiet(local.time().replace(tzinfo=None), qs, qe):
            quiet += 1
        if _inside(p.opted_out, m.date_created):
            after_opt_out += 1
    missed = expected = 0
    missed_days: list[dict] = []
    checkin = cfg.safety.checkin_text
    for p in people:
        tz = ZoneInfo(p.tz)
        mine = [m for m in sent if m.to == p.phone and m.body != checkin]
        for d in range(1, spec.days):
            day = spec.start + timedelta(days=d)
            lo, hi = local_instant(day, time(0, 0), tz) - timedelta(days=1), local_instant(
                day + timedelta(days=1), time(0, 0), tz)
            daily = p.daily_at(lo)
            due = local_instant(day, parse_hhmm(daily), tz)
            if (p.joined_at is None or p.joined_at > lo or hi > end or _overlaps(p.opted_out, lo, hi)
                    or _overlaps(p.paused, lo - timedelta(days=1), hi) or day in p.unsettled_days
                    or day - timedelta(days=1) in p.unsettled_days):
                continue
            expected += 1
            if not any(due <= m.date_created <= due + lateness for m in mine):
                missed += 1
                missed_days.append({"missed_daily_suggestion": p.phone, "tz": p.tz, "local_date": day.isoformat(),
                                    "daily_time": daily})
    return {"missed_days": missed_days, "duplicates": duplicates, "quiet_hour_sends": quiet, "sends_after_opt_out": after_opt_out,
            "missed_daily_suggestions": missed, "expected_daily_suggestions": expected}


def _log_outbound(log, services, sent, people) -> None:
    from sqlalchemy import select

    from storage.models import Outbox

    by_phone = {p.phone: p for p in people}
    with services.sessions() as session:
        rows = {r.twilio_sid: r for r in session.scalars(select(Outbox).where(Outbox.twilio_sid.is_not(None)))}
    for m in sorted(sent, key=lambda m: m.date_created):
        row = rows.get(m.sid)
        log.write(json.dumps({
            "to": m.to, "tz": by_phone[m.to].tz if m.to in by_phone else None,
            "sent_at_utc": m.date_created.isoformat(), "kind": row.kind if row else "unknown",
            "track": row.track if row else None, "item_id": row.item_id if row else None,
        }) + "\n")
