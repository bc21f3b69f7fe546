from datetime import timedelta

from scheduling_helpers import ScriptedGateway, cipher, make_subscriber, recommender, utc
from sqlalchemy import func, inspect, select

from mend.services import build_services
from scheduler import jobs
from storage.models import JournalEntry, Message, Outbox

NINE_NY = utc(2025, 6, 2, 13, 0)


def _services(config, now):
    clock = [now]
    gw = ScriptedGateway(clock=lambda: clock[0])
    services = build_services(config, cipher=cipher(), clock=lambda: clock[0], gateway=gw,
                              recommender=recommender())
    return services, clock, gw


def test_jobs_are_plain_functions_over_the_service_functions(config):
    services, clock, gw = _services(config, NINE_NY - timedelta(minutes=5))
    with services.sessions() as s:
        make_subscriber(s, 1)
    assert jobs.run_plan(services).inserted == 1
    assert jobs.run_dispatch(services).claimed == 0
    clock[0] = NINE_NY
    assert jobs.run_dispatch(services).sent == 1
    assert jobs.run_reconcile(services).found == 0
    assert len(gw.sent) == 1


def test_scheduler_registers_four_periodic_jobs_once(config):
    services, _clock, _gw = _services(config, NINE_NY)
    for _ in range(2):  # a restart replaces the stored jobs instead of adding more
        sched = jobs.start_scheduler(services)
        try:
            listed = sched.get_jobs()
        finally:
            sched.shutdown(wait=False)
    assert sorted(j.id for j in listed) == sorted(jobs.JOB_IDS)
    by_id = {j.id: j for j in listed}
    assert by_id["mend-dispatch"].trigger.interval == timedelta(seconds=config.scheduler.dispatch_interval_seconds)
    assert all(j.coalesce and j.max_instances == 1 for j in listed)
    assert all(j.misfire_grace_time == config.scheduler.misfire_grace_seconds for j in listed)
    assert jobs.JOBSTORE_TABLE in inspect(services.engine).get_table_names()
    with services.engine.connect() as conn:
        from sqlalchemy import text

        assert conn.scalar(text(f"select count(*) from {jobs.JOBSTORE_TABLE}")) == 4


def test_retention_deletes_only_what_is_old(config):
    now = NINE_NY
    old = now - timedelta(days=config.scheduler.retention_days + 1)
    services, _clock, _gw = _services(config, now)
    with services.sessions() as s:
        sub = make_subscriber(s, 1, now=old)
        for when in (old, now - timedelta(days=1)):
            s.add(JournalEntry(subscriber_id=sub.id, created_at=when, text_encrypted=services.cipher.encrypt("x")))
            s.add(Message(subscriber_id=sub.id, direction="out", phone=sub.phone, kind="reply", body="hi",
                          status="sent", created_at=when, updated_at=when))
        s.commit()
    result = jobs.run_retention(services)
    assert (result.journal_entries, result.messages) == (1, 1)
    with services.sessions() as s:
        assert s.scalar(select(func.count()).select_from(JournalEntry)) == 1
        assert s.scalar(select(func.count()).select_from(Message)) == 1
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0
