"""Stop requests by signal, with no work in the handler that could deadlock.

A handler runs in the main thread between two bytecodes, possibly while that
thread holds a lock (an Event's condition, a console's): so it takes none. It
notes the signal in a plain attribute and, the first time, raises StopRequested,
which unwinds the main thread through its `finally` blocks, where the stop runs.
"""

import signal
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopRequested(BaseException):
    """A stop signal arrived; raised once in the main thread."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    """SIGTERM, SIGINT and SIGHUP each stop the stack; later ones are only noted."""

    def __init__(self) -> None:
        self.received: int | None = None
        self._armed = False

    def install(self) -> None:
        """Handle every stop signal, SIGINT included.

        Installed explicitly: a process started in the background by a non-interactive
        shell inherits SIGINT as ignored, and Python then raises no KeyboardInterrupt.
        """
        self._armed = True
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._handle)

    def disarm(self) -> None:
        """From now on signals are noted, not raised: the stop itself must not be cut short."""
        self._armed = False

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if self._armed:
            self._armed = False
            raise StopRequested(signum)
