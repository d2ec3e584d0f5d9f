"""`ecsotel up`: run the stack until a stop signal or until a component dies."""

import signal
import time
from collections.abc import Callable

from rich.console import Console

from ecsotel.local.collector import Pipeline
from ecsotel.local.ports import Ports
from ecsotel.local.process import LogWriter, ServiceError
from ecsotel.local.sampling import Sampling
from ecsotel.local.signals import StopRequested, StopSignals
from ecsotel.local.stack import running_stack

# How often the supervisor looks for a component that exited on its own.
WATCH_INTERVAL = 0.5


def run_until_stopped(
    console: Console,
    log: LogWriter,
    ports: Ports,
    pace: Callable[[float], None] = time.sleep,
    pipeline: Pipeline = "xray-exporter",
    sampling: Sampling = "head",
    fault_rate: float = 0.0,
) -> int:
    """Start the stack, watch it, stop it in order; return the exit code (0 on a signal)."""
    signals = StopSignals()
    signals.install()
    status = console.status("starting")
    status.start()

    def progress(step: str) -> None:
        if step.startswith("stopping "):
            status.update(step)
        elif ": " in step:  # how a component ended
            console.print(f"  {step}")
        else:
            status.update(step)

    def stopping() -> None:
        signals.disarm()
        if signals.received is not None:
            name = signal.Signals(signals.received).name
            console.print(f"{name} received: stopping the apps, the collector, moto, PostgreSQL")
        status.start()

    try:
        with running_stack(
            log,
            ports,
            progress=progress,
            on_stopping=stopping,
            pipeline=pipeline,
            sampling=sampling,
            fault_rate=fault_rate,
        ) as stack:
            status.stop()
            console.rule("[bold green]the stack is up")
            console.print(f"  app       {stack.frontend_url}")
            console.print(f"  backend   {stack.backend_url}/docs")
            console.print(f"  local AWS {stack.aws.endpoint}  (`make verify`, `make traces`)")
            console.print(f"  pipeline  {pipeline}, {sampling} sampling")
            if fault_rate:
                console.print(f"  faults    {fault_rate:.0%} of fastapi-app's API requests fail")
            console.print("  Ctrl-C (or SIGTERM, SIGHUP) stops everything.")
            console.rule()
            while (dead := stack.exited()) is None:
                pace(WATCH_INTERVAL)  # a stop signal raises StopRequested out of this wait
            signals.disarm()
            console.print(
                f"[bold red]error:[/] {dead.spec.name} exited with code"
                f" {dead.process.returncode}; its last lines:\n{dead.tail()}"
            )
            code = 1
    except StopRequested:
        code = 0
    except ServiceError as error:
        console.print(f"[bold red]error:[/] {error}")
        code = 1
    finally:
        status.stop()
    console.print("[bold]stopped[/]: every component has exited")
    return code
