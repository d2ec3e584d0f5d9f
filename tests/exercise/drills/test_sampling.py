"""The sampling drill's counting and verdict, fed traces and figures that break it."""

from typing import Any

from ecsotel import xray
from ecsotel.exercise.drills.sampling import Figures, Seen, figures, problems
from ecsotel.exercise.harness.traffic import Outcome

TAIL: Figures = {
    "requests": 480,
    "error_traces": 15,
    "error_traces_complete": 15,
    "error_traces_incomplete": 0,
    "ordinary_ok_traces": 280,
    "ordinary_ok_kept_percent": 9.6,
    "restart_window_seconds": 15,
    "restart_window_requests": 180,
    "restart_window_error_traces": 9,
    "restart_window_error_traces_lost": 1,
    "restart_window_kept_but_split": 2,
    "kept_share_policy_percent": 10,
}
HEAD: Figures = {**TAIL, "error_traces": 24, "error_traces_complete": 3}


def segment(service: str, parent: str | None = None, **flags: Any) -> xray.Document:
    """One X-Ray segment document of `service`."""
    document = {"id": service, "name": service, "start_time": 1, "end_time": 2, **flags}
    return document if parent is None else {**document, "parent_id": parent}


def seen(status: int, documents: list[xray.Document], started: float = 0.0) -> Seen:
    """A request the client saw answered `status`, with these documents in X-Ray."""
    outcome = Outcome(started, "list", status, xray.TraceId.new(), ended=started + 0.05)
    return Seen(outcome, xray.build_tree(documents))


WHOLE_ERROR = [segment("nextjs-app"), segment("fastapi-app", "nextjs-app", fault=True)]


def test_clean_figures_pass() -> None:
    assert problems(TAIL, HEAD) == []


def test_an_error_trace_not_kept_whole_outside_the_restart_fails() -> None:
    broken = {**TAIL, "error_traces_complete": 14}

    assert problems(broken, HEAD) == ["tail: 1 of 15 error traces not whole"]


def test_a_share_more_than_five_points_off_fails() -> None:
    assert problems({**TAIL, "ordinary_ok_kept_percent": 15.2}, HEAD) == [
        "tail: ordinary share 15.2 % is off"
    ]
    assert problems({**TAIL, "ordinary_ok_kept_percent": 14.9}, HEAD) == []


def test_too_few_faults_to_tell_fails() -> None:
    assert problems(TAIL, {**HEAD, "error_traces": 4}) == ["head: only 4 error traces"]


def test_an_error_trace_counts_as_whole_only_with_both_services_linked_and_the_fault() -> None:
    no_fault = [segment("nextjs-app"), segment("fastapi-app", "nextjs-app")]
    unlinked = [segment("nextjs-app"), segment("fastapi-app", fault=True)]
    requests = [
        seen(500, WHOLE_ERROR),
        seen(500, no_fault),
        seen(500, unlinked),
        seen(500, []),
        seen(200, []),
    ]

    counted = figures(requests)

    assert counted["error_traces"] == 4
    assert counted["error_traces_complete"] == 1
    assert counted["error_traces_incomplete"] == 2
    assert counted["ordinary_ok_traces"] == 1
    assert counted["ordinary_ok_kept_percent"] == 0


def test_requests_in_the_restart_window_are_counted_apart() -> None:
    front_only = [segment("nextjs-app")]
    requests = [seen(500, WHOLE_ERROR, 1.0), seen(500, front_only, 10.0), seen(200, front_only, 11)]

    counted = figures(requests, window=(5.0, 20.0))

    assert counted["error_traces"] == counted["error_traces_complete"] == 1
    assert counted["restart_window_error_traces"] == 1
    assert counted["restart_window_error_traces_lost"] == 1
    assert counted["restart_window_kept_but_split"] == 2
