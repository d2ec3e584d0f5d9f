"""The `ecsotel` command line: one entry point for the local stack and AWS."""

import typer

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)


@app.command()
def version() -> None:
    """Print the CLI's version."""
    from importlib.metadata import version as package_version

    typer.echo(package_version("ecsotel"))
