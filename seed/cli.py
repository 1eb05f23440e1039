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


@seed_cli.command("invoices")
@click.argument("count", type=click.IntRange(1, 5_000_000))
def invoices_command(count):
    """Bulk-insert COUNT invoices for the scale provider (benchmarks)."""
    from seed.scale_invoices import seed_invoices

    total = seed_invoices(count)
    click.echo(f"The scale provider has {total} invoices.")
