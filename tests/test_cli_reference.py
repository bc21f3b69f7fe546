from mend.cli.reference import render
from mend.config import ROOT


def test_cli_reference_is_in_step_with_the_commands():
    """docs/cli.md is generated from --help; regenerate with `python -m mend.cli.reference > docs/cli.md`."""
    assert (ROOT / "docs" / "cli.md").read_text() == render()


def test_reference_covers_every_command():
    text = render()
    for command in ("mend corpus check", "mend recommend", "mend safety eval", "mend sms simulate",
                    "mend simulate", "mend serve", "mend db upgrade", "mend subscribers list"):
        assert f"## `{command}`" in text
