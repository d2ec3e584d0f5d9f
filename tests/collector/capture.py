"""A plain HTTP listener standing in for an AWS endpoint: it keeps every request.

By default it answers each POST with 200 and an empty protobuf body, which is a
valid (empty) OTLP export response, so the collector counts the data as delivered.
Given recorded responses, it answers their paths with them instead (JSON).
"""

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Captured:
    """One request as the listener received it (header names in lower case)."""

    path: str
    headers: dict[str, str]
    body: bytes


class _Listener(ThreadingHTTPServer):
    def __init__(self, answers: Mapping[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Captured] = []
        self.answers = answers
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Listener

    def do_POST(self) -> None:
        """Record the request and accept it."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        with self.server.lock:
            self.server.requests.append(Captured(self.path, headers, body))
        answer = self.server.answers.get(self.path)
        self.send_response(200)
        if answer is None:
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class Capture:
    """The running listener: its base URL and what it has received so far."""

    def __init__(self, listener: _Listener) -> None:
        self._listener = listener
        self.url = f"http://127.0.0.1:{listener.server_address[1]}"

    def requests(self) -> list[Captured]:
        """A copy of every request received so far."""
        with self._listener.lock:
            return list(self._listener.requests)


@contextmanager
def capture(answers: Mapping[str, bytes] | None = None) -> Iterator[Capture]:
    """Run the listener on a free loopback port until the block ends.

    `answers` maps a path to the JSON body it is answered with (a recorded response).
    """
    listener = _Listener(answers or {})
    thread = threading.Thread(target=listener.serve_forever, name="capture", daemon=True)
    thread.start()
    try:
        yield Capture(listener)
    finally:
        listener.shutdown()
        listener.server_close()
