"""The `ecsotel` command line: one entry point for the local stack and AWS.

The commands only parse options and print; the work is in local/ (the stack),
proof/ (verify), deploy/ (AWS), xray.py (trace trees) and exercise/ (the benches,
load, drills, soaks and fuzzing, whose commands exercise/commands.py and
fault_commands.py add).
"""

import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ecsotel.console import console
from ecsotel.deploy.plan import DEFAULT_REGION, DeployError
from ecsotel.exercise import commands as exercise_commands
from ecsotel.exercise import fault_commands
from ecsotel.local.collector import Pipeline
from ecsotel.local.ports import Ports
from ecsotel.local.sampling import Sampling

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
# bench, bench-list, load, drills, pipeline-drill, sampling-drill, soak, soak-renders, fuzz,
# bundle-size
app.add_typer(exercise_commands.app)
app.add_typer(fault_commands.app)

COLOURS = {
    "postgres": "blue",
    "aws": "yellow",
    "collector": "magenta",
    "standin": "bright_magenta",
    "api-sidecar": "magenta",
    "web-sidecar": "magenta",
    "gateway-1": "bright_magenta",
    "gateway-2": "bright_magenta",
    "backend": "green",
    "frontend": "cyan",
}
_print_lock = threading.Lock()


def print_log_line(service: str, line: str) -> None:
    """Print one line of a component's output behind its coloured name."""
    prefix = Text(f"{service:>9} | ", style=COLOURS.get(service, "white"))
    with _print_lock:
        console.print(prefix + Text(line), soft_wrap=True)


def _ports(postgres_port: int | None = None) -> Ports:
    """The stack's ports from STACK_*_PORT; a bad value ends the command with its name."""
    try:
        ports = Ports.from_env()
    except ValueError as error:
        console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
    if postgres_port is not None:
        ports = Ports(**{**ports.__dict__, "postgres": postgres_port})
    return ports


@app.command()
def up(
    postgres_port: Annotated[
        int | None,
        typer.Option(help="PostgreSQL's port (another if a PostgreSQL of yours uses 5432)"),
    ] = None,
    pipeline: Annotated[
        Pipeline,
        typer.Option(
            help="The sidecar's pipeline: xray-exporter (config.yaml) or otlp"
            " (config.otlp.yaml, with a stand-in for the CloudWatch OTLP endpoints)"
        ),
    ] = "xray-exporter",
    sampling: Annotated[
        Sampling,
        typer.Option(
            help="head: the apps' sidecars export what the apps recorded; tail: a sidecar"
            " per app routes traces to two gateways that keep or drop them whole"
        ),
    ] = "head",
    fault_rate: Annotated[
        float,
        typer.Option(
            min=0, max=1, help="Share of fastapi-app's API requests that fail with a 500 (0-1)"
        ),
    ] = 0.0,
) -> None:
    """Run the whole system locally until Ctrl-C, SIGTERM or SIGHUP; then stop everything.

    Ports: STACK_<NAME>_PORT moves one (FRONTEND, BACKEND, AWS, POSTGRES, OTLP_GRPC,
    OTLP_HTTP, COLLECTOR_HEALTH, STANDIN_*, WEB_SIDECAR_*, GATEWAY1_*, GATEWAY2_*).
    """
    from ecsotel.local.up import run_until_stopped

    code = run_until_stopped(
        console,
        print_log_line,
        _ports(postgres_port),
        pipeline=pipeline,
        sampling=sampling,
        fault_rate=fault_rate,
    )
    if code:
        raise typer.Exit(code)


@app.command()
def verify(
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The frontend: http://<load balancer DNS> on AWS (default: the local stack)"
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each trace and for the metrics")
    ] = 120,
    browser: Annotated[
        bool,
        typer.Option(
            "--browser",
            help="Also click through the page in /usr/bin/chromium: traces must start there",
        ),
    ] = False,
) -> None:
    """Drive the app through its frontend and prove its traces and metrics arrived."""
    from ecsotel.proof.run import run

    url = base_url or _ports().frontend_url
    pipeline = _pipeline_of(url)
    console.print(f"verifying {url} ({pipeline}) ...")
    report, where = run(url, timeout=timeout, with_browser=browser)
    console.print(f"telemetry read from {where}; pipeline checked: {pipeline}")
    report.print(console)
    if not report.passed:
        failed = report.failed()
        console.print(f"[bold red]verify failed[/]: {len(failed)} of {len(report.checks)} checks")
        raise typer.Exit(1)
    console.print(
        f"[bold green]verify passed[/]: all {len(report.checks)} checks ({pipeline});"
        " one trace crosses nextjs-app -> fastapi-app -> SQL"
    )


def _pipeline_of(url: str) -> str:
    """The pipeline (and sampling) behind `url`: probed locally, Terraform's outputs on AWS."""
    from ecsotel.aws import is_local
    from ecsotel.local.collector import running_pipeline
    from ecsotel.local.sampling import running_sampling

    if is_local(url):
        ports = _ports()
        return f"{running_pipeline(ports.standin)}, {running_sampling(ports)} sampling"
    return "as deployed (terraform output telemetry_pipeline, trace_sampling)"


@app.command()
def traces(
    last: Annotated[int, typer.Option(help="How many traces to print, newest first")] = 5,
    minutes: Annotated[float, typer.Option(help="How far back to look")] = 30,
    aws: Annotated[bool, typer.Option("--aws", help="Read from AWS, not the local stack")] = False,
) -> None:
    """Print the latest traces from X-Ray as trees (service, span, duration, status, SQL)."""
    from ecsotel import xray
    from ecsotel.aws import telemetry_clients

    _ports()  # a bad STACK_AWS_PORT is named before any request
    xray_client, _, where = telemetry_clients(local=not aws)
    trace_ids = xray.recent_trace_ids(xray_client, minutes=minutes)[:last]
    if not trace_ids:
        console.print(f"no traces in the last {minutes:g} minutes at {where}")
        return
    for trace_id in trace_ids:
        roots = xray.build_tree(xray.trace_documents(xray_client, trace_id))
        console.print(xray.render(roots, trace_id))


@app.command()
def deploy(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; run nothing")] = False,
    region: Annotated[str, typer.Option(help="AWS region to deploy into")] = DEFAULT_REGION,
    image_tag: Annotated[
        str | None, typer.Option(help="Image tag (default: the short git commit of HEAD)")
    ] = None,
    outputs: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Dry run: a saved `terraform output -json` to take the URLs from",
        ),
    ] = None,
) -> None:
    """Deploy to AWS: Terraform, images to ECR, services rolled, then verify."""
    from ecsotel.deploy import runner

    try:
        runner.deploy(region=region, image_tag=image_tag, dry_run=dry_run, outputs=outputs)
    except DeployError as error:
        console.print(f"[bold red]deploy failed:[/] {error}")
        raise typer.Exit(1) from None


@app.command()
def destroy(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; run nothing")] = False,
    region: Annotated[str, typer.Option(help="AWS region of the deployment")] = DEFAULT_REGION,
) -> None:
    """Tear the AWS deployment down: every resource `deploy` created, the database included."""
    from ecsotel.deploy import runner

    try:
        runner.destroy(region=region, dry_run=dry_run)
    except DeployError as error:
        console.print(f"[bold red]destroy failed:[/] {error}")
        raise typer.Exit(1) from None


@app.command()
def version() -> None:
    """Print the CLI's version."""
    from importlib.metadata import version as package_version

    typer.echo(package_version("ecsotel"))
