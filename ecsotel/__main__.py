"""`python -m ecsotel`: the same as the `ecsotel` command."""

from ecsotel.cli import app

app()
