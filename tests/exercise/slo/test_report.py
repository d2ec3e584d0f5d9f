"""`ecsotel slo`'s report, from documents whose SLIs are known."""

from ecsotel.exercise.slo.definitions import AVAILABILITY, load
from ecsotel.exercise.slo.report import report
from ecsotel.exercise.slo.verdict import fastest_page
from tests.exercise.slo.documents import actions, duration

DEFINITIONS = load()
THRESHOLD = DEFINITIONS.objectives["latency"].threshold_seconds or 0.0


def test_the_report_gives_each_sli_and_the_budget_used() -> None:
    """100 requests, 1 of them 5xx and 1 Server Action error; 2 of them slow."""
    documents = [
        duration(100, {THRESHOLD / 10: 97, THRESHOLD * 2: 2}),
        duration(100, {THRESHOLD / 10: 1}, status="5xx"),
        actions(100, "error", 1),
    ]
    budget = DEFINITIONS.objectives[AVAILABILITY].budget

    lines = report(DEFINITIONS, documents, end=100.5)

    availability = next(line for line in lines if line.startswith("availability: "))
    assert "SLI 98.00 %" in availability
    assert f"error budget used {100 * 0.02 / budget:.2f} %" in availability
    assert "(2 bad events)" in availability
    latency = next(line for line in lines if line.startswith("latency (within "))
    assert "SLI 98.00 %" in latency
    rows = [line for line in lines if line.startswith("| availability |")]
    assert len(rows) == len(DEFINITIONS.alerts)


def test_an_outage_shows_as_firing_in_the_table() -> None:
    documents = [duration(at, {THRESHOLD / 10: 10}) for at in range(1, 20)]
    documents.append(duration(20, {THRESHOLD / 10: 40}, status="5xx"))

    lines = report(DEFINITIONS, documents, end=20, scale=240)

    fast = fastest_page(DEFINITIONS).name
    (row,) = [line for line in lines if line.startswith(f"| availability | {fast} ")]
    assert row.endswith("| FIRING |")
    assert "every window divided by 240" in lines[0]


def test_without_documents_the_report_says_what_to_do() -> None:
    assert report(DEFINITIONS, [], end=0) == [
        "no EMF document of nextjs-app's requests yet: send it some traffic"
    ]
