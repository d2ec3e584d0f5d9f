"""A recorded X-Ray sampling API: the fixture documents, served over real HTTP.

moto has no sampling API (GetSamplingRules, SamplingTargets), so the tests serve
the responses recorded in tests/fixtures/xray-sampling/ (shaped as AWS documents
them) from a stdlib server on a free 127.0.0.1 port, at the paths the sidecar's
awsproxy forwards. A test changes the documents to act as X-Ray after a rule edit.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devkit.ports import free_port

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "xray-sampling"
RULES_PATH = "GetSamplingRules"
TARGETS_PATH = "SamplingTargets"


def load_fixture(name: str) -> Any:
    """One recorded response document."""
    return json.loads((FIXTURES / name).read_text())


class RecordedXRay:
    """The documents served, the requests received, and a status to fail with."""

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {
            RULES_PATH: load_fixture("get-sampling-rules.json"),
            TARGETS_PATH: load_fixture("sampling-targets.json"),
        }
        self.status = 200
        self.requests: list[tuple[str, Any]] = []
        self.lock = threading.Lock()
        self.port = free_port()

    @property
    def endpoint(self) -> str:
        """What OTEL_TRACES_SAMPLER_ARG's endpoint names."""
        return f"http://127.0.0.1:{self.port}"

    def rule(self, name: str) -> dict[str, Any]:
        """The served SamplingRule called ``name``, to change in place."""
        records = self.documents[RULES_PATH]["SamplingRuleRecords"]
        (found,) = [r["SamplingRule"] for r in records if r["SamplingRule"]["RuleName"] == name]
        return found  # type: ignore[no-any-return]

    def target(self, name: str) -> dict[str, Any]:
        """The served SamplingTargetDocument for ``name``, to change in place."""
        documents = self.documents[TARGETS_PATH]["SamplingTargetDocuments"]
        (found,) = [d for d in documents if d["RuleName"] == name]
        return found  # type: ignore[no-any-return]

    def set_fixed_rate(self, name: str, rate: float, *, reservoir: int | None = None) -> None:
        """Change a rule as X-Ray would show it: the rule, its target, LastRuleModification."""
        with self.lock:
            self.rule(name)["FixedRate"] = rate
            self.target(name)["FixedRate"] = rate
            if reservoir is not None:
                self.rule(name)["ReservoirSize"] = reservoir
            self.documents[TARGETS_PATH]["LastRuleModification"] = time.time() + 1

    def bodies(self, path: str) -> list[Any]:
        """The request bodies received at ``path`` so far."""
        with self.lock:
            return [body for at, body in self.requests if at == path]


@contextmanager
def serve(api: RecordedXRay) -> Iterator[RecordedXRay]:
    """Serve ``api`` until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            path = self.path.lstrip("/")
            with api.lock:
                api.requests.append((path, body))
                status = api.status
                document = api.documents.get(path)
                answer = json.dumps(document if status == 200 else {"message": "recorded failure"})
            if document is None:
                status, answer = 404, json.dumps({"message": f"no such API {path}"})
            data = answer.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests read ``api.requests``."""

    server = ThreadingHTTPServer(("127.0.0.1", api.port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="recorded-xray", daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
