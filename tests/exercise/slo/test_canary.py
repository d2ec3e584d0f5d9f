"""The synthetic check's script: its committed zip is current, and it fails a broken app.

tests/e2e/test_slo.py runs it against the whole stack, where it must pass.
"""

import json
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest

from ecsotel.exercise.slo.canary import ZIP_FOLDER, check, zip_bytes
from ecsotel.paths import CANARY_SCRIPT, CANARY_ZIP, REPO_ROOT

FORM = b'<form data-testid="create-todo-form"></form>'


def test_the_committed_zip_is_the_script_zipped() -> None:
    assert CANARY_ZIP.read_bytes() == zip_bytes(), "stale: run `ecsotel canary --package`"


def test_the_zip_holds_the_handler_terraform_names() -> None:
    handler = re.search(
        r'handler\s*=\s*"([\w-]+)\.handler"', (REPO_ROOT / "infra" / "synthetics.tf").read_text()
    )
    names = zipfile.ZipFile(BytesIO(zip_bytes())).namelist()

    assert handler, "infra/synthetics.tf names no handler"
    assert names == [f"{ZIP_FOLDER}/{handler.group(1)}.js"]
    assert "exports.handler = " in CANARY_SCRIPT.read_text()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is missing")
def test_node_parses_the_script() -> None:
    subprocess.run(["node", "--check", str(CANARY_SCRIPT)], check=True)


class BrokenApp(BaseHTTPRequestHandler):
    """An app that renders no form when `form` is off, and answers writes with `status`."""

    form = True
    status = 201

    def do_GET(self) -> None:
        """The page (with or without the form), or a todo."""
        body = FORM if self.path == "/" and self.form else b'{"id": 1, "title": "synthetic check"}'
        self._answer(200, body)

    def do_POST(self) -> None:
        """A create that answers `status`."""
        self._answer(self.status, json.dumps({"id": 1}).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        """Quiet."""


@pytest.fixture
def broken() -> Iterator[tuple[str, type[BrokenApp]]]:
    """A broken app on a free port, and its handler class to break it further."""
    handler = type("Broken", (BrokenApp,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    thread.join()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is missing")
def test_a_page_without_the_form_fails_the_check(broken: tuple[str, type[BrokenApp]]) -> None:
    url, app = broken
    app.form = False

    passed, output = check(url)

    assert not passed
    assert "FAILED: GET /: the page has no create form" in output


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is missing")
def test_a_failing_create_fails_the_check(broken: tuple[str, type[BrokenApp]]) -> None:
    url, app = broken
    app.status = 503

    passed, output = check(url)

    assert not passed
    assert "passed: page renders the create form" in output
    assert "FAILED: POST /api/todos answered 503" in output


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is missing")
def test_an_unreachable_app_fails_the_check() -> None:
    passed, output = check("http://127.0.0.1:9")

    assert not passed
    assert "ECONNREFUSED" in output
