"""Wait for a condition instead of sleeping: every wait names what it waited for."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError, TimeoutError):
    """A condition did not hold within its timeout.

    An AssertionError too, so that a test that waits in vain fails rather than errors.
    """


def poll_until(
    check: Callable[[], T | None],
    what: str,
    *,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> T:
    """Call `check` until it returns a truthy value and return that value.

    Exceptions raised by `check` count as "not yet"; the last one is named in the
    timeout message, so a failure says both what never arrived and why.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = check()
        except Exception as error:  # any failure means "not yet"
            last_error = error
        else:
            if result:
                return result
        if time.monotonic() >= deadline:
            reason = f" (last error: {last_error!r})" if last_error else ""
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}{reason}")
        time.sleep(interval)
