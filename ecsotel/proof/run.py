"""`verify`: drive the app through its frontend, then prove that its telemetry arrived.

Every check is declared before the first request; each stage records its own and,
when it cannot go on, leaves the rest marked with why they did not run.
"""

import time
from collections.abc import Callable
from functools import partial

import httpx
from botocore.exceptions import BotoCoreError, ClientError

from ecsotel import xray
from ecsotel.aws import is_local, telemetry_clients
from ecsotel.local.sampling import keep_tag
from ecsotel.proof import browser, checks, driver
from ecsotel.proof.report import Report

ACTION = "Server Action create"
API = "API route create"


def declared_checks(with_browser: bool = False) -> list[str]:
    """Every check verify runs, in the order it runs them."""
    return [
        *driver.SERVER_ACTION_CHECKS,
        *driver.API_ROUTE_CHECKS,
        *checks.trace_checks(ACTION),
        *checks.trace_checks(API),
        *checks.EMF_CHECKS,
        *(browser.BROWSER_CHECKS if with_browser else []),
    ]


def _stage(report: Report, names: list[str], body: Callable[[], None]) -> bool:
    """Run one stage; on an error, mark its checks that did not run with the reason.

    Returns whether every check of the stage ran and passed.
    """
    try:
        body()
    except driver.VerifyError as error:
        report.not_run(names, str(error))
    except httpx.HTTPError as error:
        report.not_run(names, f"cannot reach the app: {error!r}")
    except (BotoCoreError, ClientError) as error:
        report.not_run(names, f"cannot read the telemetry from AWS: {error}")
    report.not_run(names, "the stage ended before this check")
    return all(report.checks[name].passed for name in names)


def marked_traces(tag: str) -> Callable[[httpx.Request], None]:
    """An httpx request hook: a request without trace headers starts a trace marked `tag`.

    So every request verify sends is in a marked trace: a tail-sampling gateway keeps
    it, and FAULT_RATE spares it (backend/app/core/faults.py).
    """

    def mark(request: httpx.Request) -> None:
        if not {"traceparent", "x-amzn-trace-id"} & set(request.headers):
            request.headers.update(xray.TraceId.new(tag).headers())

    return mark


def run(base_url: str, timeout: float = 90.0, with_browser: bool = False) -> tuple[Report, str]:
    """Drive the app, then check the traces and metrics; return the report and the AWS used.

    `with_browser`: also click through the page in Chromium and check that those
    traces start at the click (the nextjs-browser tier).
    """
    report = Report.declare(declared_checks(with_browser))
    xray_client, logs_client, where = telemetry_clients(local=is_local(base_url))
    since_ms = int(time.time() * 1000) - 5_000
    # Marked, so that a tail-sampling gateway keeps them whatever its share.
    tag = keep_tag()
    action_trace, api_trace = xray.TraceId.new(tag), xray.TraceId.new(tag)
    hooks = {"request": [marked_traces(tag)]}
    with httpx.Client(base_url=base_url, timeout=15, event_hooks=hooks) as client:
        _stage(
            report,
            driver.SERVER_ACTION_CHECKS,
            lambda: driver.drive_server_actions(client, report, action_trace),
        )
        _stage(
            report,
            driver.API_ROUTE_CHECKS,
            lambda: driver.drive_api_routes(client, report, api_trace),
        )
    for what, trace, create in (
        (ACTION, action_trace, driver.ACTION_CREATE),
        (API, api_trace, driver.API_CREATE),
    ):
        names = checks.trace_checks(what)
        if not report.checks[create].passed:
            report.not_run(names, f"no trace to check: {create!r} did not pass")
            continue
        check = partial(checks.check_trace, xray_client, report, trace, what, timeout)
        _stage(report, names, check)
    if report.checks[driver.ACTION_CREATE].passed or report.checks[driver.API_CREATE].passed:
        _stage(
            report,
            checks.EMF_CHECKS,
            lambda: checks.check_metrics(logs_client, report, since_ms, timeout),
        )
    else:
        report.not_run(checks.EMF_CHECKS, "no request reached the app, so no metrics to check")
    if with_browser:
        _stage(
            report,
            browser.BROWSER_CHECKS,
            lambda: browser.check(xray_client, report, browser.drive(base_url, report), timeout),
        )
    return report, where
