"""The operator console: a token-protected web console at ``/admin``, ``GET /metrics``,
corpus hot reload, and the queries behind the operator CLI.

Public interface::

    from console import mount
    mount(app, services)        # in create_app: the console, its login and /metrics (off without a token)

    from console import queries, review, stats
    queries.dashboard(session, now) / list_subscribers / subscriber_detail / recent_messages
    review.open_events(session, cipher) / review.resolve(session, event_id, note, now)
    stats.item_stats(session) / stats.store_eval_run(session, metrics, corpus_hash, now)
"""

from console.errors import AlreadyResolved, BadInput, ConsoleError, NotFound
from console.web import mount

__all__ = ["mount", "ConsoleError", "NotFound", "AlreadyResolved", "BadInput"]
