"""Steady, bounded traffic through the frontend's API for the drills and the soak.

Creates, toggles and lists (the soak deletes too). A ticker submits one request
every 1/rate seconds to a small pool, so a slow or hanging answer never lowers the
rate. Every request carries its own trace id, so the drills can ask X-Ray which
requests' spans arrived.
"""

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import httpx

from ecsotel.xray import TraceId

# Longer than the frontend's 5 s backend timeout: a 504 must come back as a 504.
REQUEST_TIMEOUT_S = 10.0
# The status recorded for a connection the server refused: it never accepted the request.
REFUSED = -1


@dataclass(frozen=True)
class Outcome:
    """One request: when it started, what it was, and what came back."""

    started: float
    op: str
    status: int  # REFUSED: connection refused; 0: no answer on an accepted one (reset, timeout)
    trace: TraceId
    detail: str = ""
    retry_after: str | None = None
    ended: float = 0.0  # when the answer (or the error) came; set on recording

    def in_flight_at(self, moment: float) -> bool:
        """Whether the request had started and not yet ended at `moment`."""
        return self.started <= moment <= self.ended

    @property
    def failed(self) -> bool:
        """A failure as a user sees it: no answer or a server error."""
        return self.status in {REFUSED, 0} or self.status >= 500

    @property
    def write(self) -> bool:
        """Whether the request changes data."""
        return self.op in {"create", "toggle", "delete"}


@dataclass
class Traffic:
    """The request generator; use as a context manager around a drill or a soak."""

    base_url: str
    rate: float = 15.0
    # The drills keep every todo (to find lost ones); the soak deletes as it creates,
    # so the list, which the API returns whole, stays the same size.
    mix: tuple[str, ...] = ("list", "create", "toggle", "create", "list")
    # How each request names its trace: as a traced caller (a sampled parent, which
    # every sampler follows), or TraceId.alb_headers, as a new request through the
    # load balancer (a Root only: the apps' own sampler decides).
    trace_headers: Callable[[TraceId], dict[str, str]] = TraceId.headers
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> "Traffic":
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="traffic")
        self._client = httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT_S)
        self._ticker = threading.Thread(target=self._tick, name="traffic-ticker", daemon=True)
        self._ticker.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._ticker.join()
        # Requests not yet started are not sent: the drill is over.
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def _tick(self) -> None:
        ops = itertools.cycle(self.mix)
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while not self._stop.is_set():
            self._pool.submit(self._one, next(ops))
            next_at += interval
            # Pacing, not synchronisation: wait for the next slot or the stop signal.
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _one(self, op: str) -> None:
        trace = TraceId.new()
        started = time.monotonic()
        try:
            response = self._request(op, trace)
        except httpx.ConnectError as error:
            self._record(Outcome(started, op, REFUSED, trace, type(error).__name__))
            return
        except httpx.HTTPError as error:
            self._record(Outcome(started, op, 0, trace, type(error).__name__))
            return
        detail = response.text[:120] if response.status_code >= 400 else ""
        self._record(
            Outcome(
                started,
                op,
                response.status_code,
                trace,
                detail,
                response.headers.get("retry-after"),
            )
        )
        if op == "create" and response.status_code == 201:
            with self._lock:
                self.acknowledged.append(int(response.json()["id"]))

    def _request(self, op: str, trace: TraceId) -> httpx.Response:
        headers = self.trace_headers(trace)
        if op == "list":
            return self._client.get("/api/todos", headers=headers)
        if op == "create":
            return self._client.post("/api/todos", json={"title": "drill"}, headers=headers)
        with self._lock:
            target = self.acknowledged[-1] if self.acknowledged else None
            if op == "delete" and target is not None:
                self.acknowledged.pop()
        if target is None:
            return self._client.get("/api/todos", headers=headers)
        if op == "delete":
            return self._client.delete(f"/api/todos/{target}", headers=headers)
        body = {"completed": bool(len(self.outcomes) % 2)}
        return self._client.put(f"/api/todos/{target}", json=body, headers=headers)

    def _record(self, outcome: Outcome) -> None:
        ended = replace(outcome, ended=time.monotonic())
        with self._lock:
            self.outcomes.append(ended)

    def snapshot(self) -> list[Outcome]:
        """The outcomes so far, in start order."""
        with self._lock:
            return sorted(self.outcomes, key=lambda outcome: outcome.started)
