import json
from datetime import date

import pytest

from scheduler.errors import SimulationError
from scheduler.simulate import SimulationSpec, run_simulation


@pytest.mark.slow
def test_simulation_across_a_dst_change_with_faults_is_clean(config, embedder, tmp_path):
    """3 days over the US fall-back (2025-11-02), real recommender, screener, TwilioGateway + FakeTwilio."""
    log = tmp_path / "sim.jsonl"
    spec = SimulationSpec(days=3, subscribers=20, start=date(2025, 11, 1), seed=3, fault_rate=0.2)
    summary = run_simulation(config, spec, log_path=log)
    assert summary.faults_injected > 0 and summary.messages_sent > 20
    assert summary.expected_daily_suggestions > 0
    assert (summary.duplicates, summary.quiet_hour_sends, summary.sends_after_opt_out,
            summary.missed_daily_suggestions) == (0, 0, 0, 0)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    outbound = [x for x in lines if "to" in x]
    inbound = [x for x in lines if "from" in x]
    assert len(inbound) == summary.inbound
    assert {"to", "tz", "sent_at_utc", "kind", "track", "item_id"} <= set(outbound[0])
    assert all(x["to"].startswith("+155555501") for x in outbound)
    assert {x["kind"] for x in outbound} & {"daily", "nudge"}


def test_simulation_refuses_impossible_sizes(config):
    with pytest.raises(SimulationError, match="1 to 100"):
        run_simulation(config, SimulationSpec(days=1, subscribers=101, start=date(2025, 11, 1)))


def test_simulated_numbers_are_distinct_fictional_555_01xx_lines():
    import re

    from scheduler.simulate import fictional_number

    numbers = [fictional_number(n) for n in range(1000)]
    assert len(set(numbers)) == 1000
    assert all(re.fullmatch(r"\+1\d{3}55501(0[1-9]|[1-9]\d)", x) for x in numbers)
    assert "+15555550100" not in numbers  # the simulated sender
