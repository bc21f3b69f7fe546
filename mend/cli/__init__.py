"""The `mend` command: thin shells over service functions.

Each area keeps its commands in its own module here and registers them below.
Commands parse, call one service function, print, and exit non-zero with a next
step on failure.
"""

from __future__ import annotations

import typer

from mend.cli import corpus, db, operator, recommend, runtime, safety, scheduling, sms
from mend.cli._common import run_main
from mend.cli.corpus_ops import register as register_corpus_ops
from mend.cli.safety_review import register as register_safety_review

app = typer.Typer(
    name="mend",
    help="Mend: an SMS companion for people healing from rejection trauma.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(corpus.app, name="corpus")
register_corpus_ops(corpus.app)  # `mend corpus reload` (asks a running server)
app.add_typer(safety.app, name="safety")
register_safety_review(safety.app)  # `mend safety queue|resolve` (operator review)
app.add_typer(sms.app, name="sms")
app.add_typer(db.app, name="db")
recommend.register(app)
runtime.register(app)
scheduling.register(app)
operator.register(app)


def main() -> None:
    run_main(app)


if __name__ == "__main__":
    main()
