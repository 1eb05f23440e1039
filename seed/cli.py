"""``flask seed ...`` commands."""
import click
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Load demo or volume data.")


@seed_cli.command("demo")
def demo_command():
    """Load the documented demo payer (idempotent)."""
    from seed.demo import load_demo

    if load_demo():
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing to do.")
