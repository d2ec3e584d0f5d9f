"""The `ecsotel` command line: one entry point for the local stack and AWS."""

import signal
import threading
from types import FrameType

import typer
from rich.console import Console
from rich.text import Text

from ecsotel import deploy as deployment
from ecsotel.process import ServiceError
from ecsotel.stack import Ports, running_stack

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
# AWS: `deploy` and `destroy` live in ecsotel/deploy.py.
app.command()(deployment.deploy)
app.command()(deployment.destroy)
console = Console(highlight=False)

COLOURS = {
    "postgres": "blue",
    "aws": "yellow",
    "collector": "magenta",
    "backend": "green",
    "frontend": "cyan",
}
_print_lock = threading.Lock()


def print_log_line(service: str, line: str) -> None:
    """Print one line of a component's output behind its coloured name."""
    prefix = Text(f"{service:>9} | ", style=COLOURS.get(service, "white"))
    with _print_lock:
        console.print(prefix + Text(line), soft_wrap=True)


@app.command()
def up(
    postgres_port: int = typer.Option(
        Ports.postgres, help="PostgreSQL's port (another if a PostgreSQL of yours uses 5432)"
    ),
) -> None:
    """Run the whole system locally until Ctrl-C or SIGTERM; then stop everything."""
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    status = console.status("starting")
    status.start()
    try:
        ports = Ports(postgres=postgres_port)
        with running_stack(print_log_line, ports, progress=status.update) as stack:
            status.stop()
            console.rule("[bold green]the stack is up")
            console.print(f"  app       {stack.frontend_url}")
            console.print(f"  backend   {stack.backend_url}/docs")
            console.print(f"  local AWS {stack.aws.endpoint}  (`make verify`, `make traces`)")
            console.print("  Ctrl-C stops everything.")
            console.rule()
            stop_requested.wait()
            status.start()
    except ServiceError as error:
        console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass
    finally:
        status.stop()
    console.print("[bold]stopped[/]: every component has exited")


@app.command()
def verify(
    base_url: str = typer.Option(
        "http://localhost:3000", help="The frontend: the local stack, or http://<load balancer DNS>"
    ),
    timeout: float = typer.Option(120, help="Seconds to wait for each trace and for the metrics"),
) -> None:
    """Drive the app through its frontend and prove its traces and metrics arrived."""
    from ecsotel import verify as verification

    console.print(f"verifying {base_url} ...")
    report, where = verification.run(base_url, timeout=timeout)
    console.print(f"telemetry read from {where}")
    report.print(console)
    if not report.passed:
        console.print("[bold red]verify failed[/]")
        raise typer.Exit(1)
    console.print(
        "[bold green]verify passed[/]: one trace crosses nextjs-app -> fastapi-app -> SQL"
    )


@app.command()
def traces(
    last: int = typer.Option(5, help="How many traces to print, newest first"),
    minutes: float = typer.Option(30, help="How far back to look"),
    aws: bool = typer.Option(False, "--aws", help="Read from AWS instead of the local stack"),
) -> None:
    """Print the latest traces from X-Ray as trees (service, span, duration, status, SQL)."""
    from ecsotel import xray
    from ecsotel.verify import aws_session

    xray_client, _, where = aws_session(local=not aws)
    trace_ids = xray.recent_trace_ids(xray_client, minutes=minutes)[:last]
    if not trace_ids:
        console.print(f"no traces in the last {minutes:g} minutes at {where}")
        return
    for trace_id in trace_ids:
        roots = xray.build_tree(xray.trace_documents(xray_client, trace_id))
        console.print(xray.render(roots, trace_id))


@app.command()
def version() -> None:
    """Print the CLI's version."""
    from importlib.metadata import version as package_version

    typer.echo(package_version("ecsotel"))
