"""Short fault drills (a few seconds each) on the shared stack; `make drills` runs the full ones.

Each drill restores the stack before it returns, so the other e2e tests are unaffected.
"""

import pytest

from ecsotel.local.stack import Stack
from tools.drills.drills import SHORT, backend_drill, collector_drill, postgres_drill, rolling_drill

pytestmark = pytest.mark.e2e


def test_collector_outage_fails_no_user_request(stack: Stack) -> None:
    row = collector_drill(stack, SHORT["collector"])
    print(row.cells())
    assert row.failed == {}
    assert row.lost_todos == 0


def test_postgres_outage_answers_503_and_loses_no_acknowledged_todo(stack: Stack) -> None:
    row = postgres_drill(stack, SHORT["postgres"])
    print(row.cells())
    assert row.failed == {}, "a request got a 500, a 502/504 or no answer"
    assert row.designed[503] > 0
    assert "Retry-After: 0/" not in row.notes
    assert row.lost_todos == 0
    assert row.recovery_s is not None


def test_backend_killed_answers_502_then_recovers(stack: Stack) -> None:
    row = backend_drill(stack, SHORT["backend"])
    print(row.cells())
    assert row.failed == {}, "a request got a 500, a 503 or no answer"
    assert row.designed[502] + row.designed[504] > 0
    assert "unreachable" in row.notes
    assert row.recovery_s is not None


def test_rolling_restart_answers_no_server_error_and_recovers(stack: Stack) -> None:
    """Not yet: "every accepted request completes". A few connections still drop at the
    frontend's SIGTERM (keep-alive sockets closed under a request); the row counts them."""
    row = rolling_drill(stack, SHORT["rolling"])
    print(row.cells())
    assert {status for status in row.failed if status != 0} == set(), "a 500, 503 or 504"
    assert row.lost_todos == 0
    assert row.recovery_s is not None
