"""`mend scheduler` and `mend simulate`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from mend.cli._common import console, fail, get_config


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

    @app.command("scheduler")
    def scheduler_cmd() -> None:
        """Run the periodic jobs alone (plan, dispatch, reconcile, retention) until stopped.

        On PostgreSQL only the leader runs them (an advisory lock); another copy waits as a
        standby and takes over within seconds when the leader dies (scheduler/leader.py).
        """
        import signal
        import threading

        from mend.services import build_services
        from scheduler.jobs import JOB_IDS, start_scheduler
        from scheduler.leader import run_as_leader

        cfg = get_config()
        services = build_services(cfg)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

        def lead(lost: threading.Event) -> None:
            console.print(f"Mend scheduler (leader): {', '.join(JOB_IDS)} (Ctrl-C to stop)")
            running = start_scheduler(services)
            try:
                lost.wait()
            finally:
                running.shutdown(wait=True)

        said = []

        def standby() -> None:
            if not said:
                said.append(True)
                console.print("standby: another scheduler leads; waiting to take over")

        run_as_leader(services.engine, lead, stop=stop, on_standby=standby)
        console.print("scheduler stopped")

    @app.command("simulate")
    def simulate_cmd(
        days: int = typer.Option(14, min=1, max=120, help="Simulated days."),
        subscribers: int = typer.Option(50, min=1, max=100, help="Simulated subscribers (fictional 555-01xx numbers)."),
        start: str = typer.Option(None, help="First simulated day, YYYY-MM-DD (default 2025-10-28, crossing US DST)."),
        seed: int = typer.Option(1, help="Random seed: the same seed gives the same run."),
        fault_rate: float = typer.Option(0.0, min=0.0, max=0.9, help="Share of sends the fake Twilio fails."),
        log: Path = typer.Option(None, help="Write one JSON line per outbound and inbound message here."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    ) -> None:
        """Run the real planner, dispatcher and inbound path against a fake Twilio in simulated time."""
        import json

        from scheduler.errors import SimulationError
        from scheduler.simulate import SimulationSpec, run_simulation

        try:
            first = date.fromisoformat(start) if start else date(2025, 10, 28)
        except ValueError:
            fail(f"--start {start!r} is not a date", "give it as YYYY-MM-DD, e.g. --start 2025-10-28")
        spec = SimulationSpec(days=days, subscribers=subscribers, start=first, seed=seed, fault_rate=fault_rate)
        try:
            summary = run_simulation(get_config(), spec, log_path=log, progress=not as_json)
        except SimulationError as exc:
            fail(str(exc))
        if as_json:
            print(json.dumps(summary.as_dict(), sort_keys=True))
        else:
            from rich.table import Table

            table = Table(title=f"simulated {days} days, {subscribers} subscribers, fault rate {fault_rate}")
            table.add_column("figure")
            table.add_column("value", justify="right")
            for key, value in summary.as_dict().items():
                table.add_row(key, str(value))
            console.print(table)
        if not summary.ok:
            raise typer.Exit(1)
