"""The SLO drill's verdict, fed timelines in which the alerts misbehave."""

from ecsotel.exercise.slo.alerts import states
from ecsotel.exercise.slo.definitions import AVAILABILITY, LATENCY, load
from ecsotel.exercise.slo.sli import samples
from ecsotel.exercise.slo.verdict import Moment, Phase, fastest_page, problems, tickets, timeline
from tests.exercise.slo.documents import duration

DEFINITIONS = load()
FAST = (AVAILABILITY, fastest_page(DEFINITIONS).name)
(SLOW_NAME,) = tickets(DEFINITIONS)
SLOW = (AVAILABILITY, SLOW_NAME)
QUIET = Phase("no fault", 0, 10, fault=False)
FIRST, SECOND = Phase("outage 1", 10, 20), Phase("outage 2", 20, 30)


def moments(*firing: tuple[float, set[tuple[str, str]]]) -> list[Moment]:
    """A timeline: at each time, the alerts firing."""
    return [Moment(at, frozenset(alerts)) for at, alerts in firing]


def judge(timeline_: list[Moment], *, slow: bool = True) -> list[str]:
    """The verdict of the standard three phases."""
    return problems(timeline_, [QUIET, FIRST, SECOND], DEFINITIONS, judge_slow_burn=slow)


def test_the_designed_timeline_passes() -> None:
    good = moments((5, set()), (15, {FAST}), (25, {FAST, SLOW}))

    assert judge(good) == []


def test_an_alert_without_a_fault_fails() -> None:
    (problem,) = judge(moments((5, {FAST}), (15, {FAST}), (25, {FAST})))

    assert problem.startswith("no fault: alerts fired without a fault")


def test_latency_alerts_without_a_fault_are_only_reported() -> None:
    noisy = moments((5, {(LATENCY, SLOW_NAME)}), (15, {FAST}), (25, {FAST}))

    assert judge(noisy) == []


def test_an_outage_that_never_pages_fails() -> None:
    (problem,) = judge(moments((5, set()), (15, {FAST}), (25, set())))

    assert problem == f"outage 2: the {FAST[1]} page of {AVAILABILITY} never fired"


def test_a_single_outage_that_opens_a_ticket_fails_when_judged() -> None:
    ticketed = moments((5, set()), (15, {FAST, SLOW}), (25, {FAST}))

    (problem,) = judge(ticketed)
    assert problem.startswith("outage 1 alone set off the slow burn")
    assert judge(ticketed, slow=False) == []


def test_a_phase_without_documents_fails() -> None:
    (problem,) = judge(moments((15, {FAST}), (25, {FAST})))

    assert problem == "no fault: no EMF document covers it, nothing was evaluated"


def test_an_outage_of_errors_sets_off_the_fast_burn_and_good_traffic_does_not() -> None:
    """From documents to a verdict: 15 requests a second, then 2 seconds' worth of 5xx."""
    threshold = DEFINITIONS.objectives[LATENCY].threshold_seconds or 0.0
    scale = 240
    documents = [duration(at, {threshold / 10: 15}) for at in range(1, 31)]
    documents.append(duration(30.5, {threshold / 10: 30}, status="5xx"))
    series = samples(documents, threshold)

    found = timeline(series, DEFINITIONS, scale)

    assert all(not moment.firing for moment in found if moment.at <= 30)
    assert FAST in found[-1].firing
    firing = [s for s in states(series, DEFINITIONS, 30.5, scale) if s.firing]
    assert {(s.slo, s.alert.name) for s in firing} >= {FAST}
