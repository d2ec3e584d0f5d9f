"""Supervise local processes: start, stream prefixed logs, wait until healthy, stop by PID.

Every process starts in its own session, so stopping it signals its whole process
group (the PID we started is the group id) and leaves nothing behind; and each is
tied to our life (PR_SET_PDEATHSIG), so that it dies even if we are SIGKILLed.
"""

import contextlib
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devkit.lifetime import die_with_parent
from devkit.polling import WaitTimeout, poll_until
from devkit.ports import port_is_free

LogWriter = Callable[[str, str], None]
"""Receives (service name, one line of its output)."""


@contextlib.contextmanager
def log_file(path: Path) -> Iterator[LogWriter]:
    """A log writer that writes every service's lines, prefixed, to a fresh file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    with path.open("w", encoding="utf-8") as log:

        def write(service: str, line: str) -> None:
            with lock:
                log.write(f"{service:>9} | {line}\n")
                log.flush()

        yield write


class LogTap:
    """A log writer that passes every line on, and also keeps one component's lines while asked.

    The drills read what the apps printed during a fault (errors, secret refreshes);
    the lines still reach the wrapped writer (the stack's log file) as before.
    """

    def __init__(self, log: LogWriter) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._recordings: list[tuple[str, list[str]]] = []

    def __call__(self, service: str, line: str) -> None:
        self._log(service, line)
        with self._lock:
            for name, lines in self._recordings:
                if name == service:
                    lines.append(line)

    @contextlib.contextmanager
    def recording(self, service: str) -> Iterator[list[str]]:
        """The lines `service` prints during the block (the list fills as they arrive)."""
        recording = (service, list[str]())
        with self._lock:
            self._recordings.append(recording)
        try:
            yield recording[1]
        finally:
            with self._lock:
                self._recordings.remove(recording)


class ServiceError(RuntimeError):
    """A service could not start, or never became healthy."""


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one local component and how to tell that it is healthy."""

    name: str
    argv: Sequence[str]
    ready: Callable[[], bool]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    ports: Sequence[int] = ()
    ready_timeout: float = 60.0
    # The grace period after stop_signal; then SIGKILL to the whole process group.
    stop_timeout: float = 10.0
    stop_signal: int = signal.SIGTERM
    user: str | None = None


class RunningService:
    """A started process, its log stream and the last lines it printed."""

    def __init__(self, spec: ServiceSpec, log: LogWriter) -> None:
        self.spec = spec
        self._log = log
        self.recent: deque[str] = deque(maxlen=40)
        self.process = subprocess.Popen(
            list(spec.argv),
            cwd=spec.cwd,
            env={**os.environ, **spec.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,
            preexec_fn=die_with_parent,
            # Popen drops privileges itself (PostgreSQL refuses to run as root).
            user=spec.user,
            group=_primary_group(spec.user) if spec.user else None,
            extra_groups=[] if spec.user else None,
        )
        self._reader = threading.Thread(target=self._pump, name=f"log-{spec.name}", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        """The PID of the started process (also its process-group id)."""
        return self.process.pid

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.recent.append(line)
            self._log(self.spec.name, line)

    def running(self) -> bool:
        """Whether the process is still alive."""
        return self.process.poll() is None

    def wait_ready(self) -> None:
        """Poll the health check until it passes; fail fast if the process dies."""

        def check() -> str | None:
            if not self.running():
                return "exited"
            return "ready" if self.spec.ready() else None

        what = f"{self.spec.name} to become healthy"
        try:
            outcome = poll_until(check, what, timeout=self.spec.ready_timeout)
        except WaitTimeout as error:
            raise ServiceError(f"{error}; its last lines:\n{self.tail()}") from None
        if outcome == "exited":
            self._reader.join(timeout=2)  # let the last lines arrive
            raise ServiceError(
                f"{self.spec.name} exited with code {self.process.returncode}"
                f" before it became healthy; its last lines:\n{self.tail()}"
            )

    def tail(self) -> str:
        """The last lines the process printed, for error messages."""
        return "\n".join(f"  {line}" for line in self.recent) or "  (no output)"

    def stop(self) -> str:
        """Signal the group, wait out the grace period, then SIGKILL it; say how it ended."""
        outcome = f"exited (code {self.process.returncode})"
        if self.running():
            self._signal(self.spec.stop_signal)
            try:
                self.process.wait(timeout=self.spec.stop_timeout)
                outcome = "stopped"
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait()
                outcome = (
                    f"did not exit within {self.spec.stop_timeout:g}s of"
                    f" {signal.Signals(self.spec.stop_signal).name}: killed (SIGKILL)"
                )
        # Children that ignored the signal after their parent exited would still hold ports.
        self._signal(signal.SIGKILL)
        self._reader.join(timeout=5)
        return outcome

    def _signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)


def port_taken_message(port: int, service: str) -> str:
    """What to tell a user whose port clashes with one a service needs."""
    return (
        f"port {port} is taken, and {service} needs it: stop whatever listens there"
        f" (`ss -ltnp 'sport = :{port}'` shows it)"
    )


def pinned(argv: Sequence[str], cpu: int | None) -> list[str]:
    """`argv` run on one CPU (taskset) when `cpu` is given; taskset execs it, so the PID stays."""
    return list(argv) if cpu is None else ["taskset", "--cpu-list", str(cpu), *argv]


def start(spec: ServiceSpec, log: LogWriter) -> RunningService:
    """Check the service's ports, start it and wait until it is healthy.

    Call it from the main thread: the child's life is tied to the starting thread's.
    """
    for port in spec.ports:
        if not port_is_free(port):
            raise ServiceError(port_taken_message(port, spec.name))
    service = RunningService(spec, log)
    try:
        service.wait_ready()
    except BaseException:
        service.stop()
        raise
    return service


def _primary_group(user: str) -> int:
    """The primary group id of `user`."""
    import pwd

    return pwd.getpwnam(user).pw_gid
