"""`ecsotel verify` run as a user runs it, against targets that are not the app: it must fail.

Each target is a real server on a free port; verify runs as a subprocess and must
exit non-zero, naming the check that failed or could not run.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from devkit.ports import free_port

from ecsotel.local.process import RunningService, ServiceSpec, start
from ecsotel.paths import REPO_ROOT

ALWAYS_500 = """
import http.server, sys
class Broken(http.server.BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(500); self.end_headers(); self.wfile.write(b"Internal Server Error")
    do_GET = do_POST = do_PUT = do_DELETE = answer
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Broken).serve_forever()
"""


def run_verify(base_url: str) -> subprocess.CompletedProcess[str]:
    """`ecsotel verify` with local AWS on a port where nothing listens."""
    return subprocess.run(
        [sys.executable, "-m", "ecsotel", "verify", "--base-url", base_url, "--timeout", "3"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "250", "STACK_AWS_PORT": str(free_port())},
    )


def serve(name: str, argv: list[str], port: int, cwd: Path | None = None) -> RunningService:
    """Start a server process and wait until it answers."""

    def answers() -> bool:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
        return True

    spec = ServiceSpec(name=name, argv=argv, cwd=cwd, ready=answers, ports=[port])
    return start(spec, lambda *_: None)


@pytest.fixture
def static_page(tmp_path: Path) -> Iterator[str]:
    """A page that answers 200 but has none of the app's forms (an error page, a wrong deploy)."""
    (tmp_path / "index.html").write_text("<html><body><h1>Welcome to nginx!</h1></body></html>")
    port = free_port()
    argv = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    server = serve("static", argv, port, cwd=tmp_path)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def failing_app() -> Iterator[str]:
    """A server that answers 500 to everything."""
    port = free_port()
    server = serve("broken", [sys.executable, "-c", ALWAYS_500, str(port)], port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_verify_fails_on_a_page_without_the_apps_forms(static_page: str) -> None:
    result = run_verify(static_page)

    assert result.returncode == 1, result.stdout
    assert "verify passed" not in result.stdout
    assert "verify failed" in result.stdout
    assert "not run: the page has no form data-testid='create-todo-form'" in result.stdout
    assert "not run: no trace to check" in result.stdout


def test_verify_fails_on_a_page_that_answers_500(failing_app: str) -> None:
    result = run_verify(failing_app)

    assert result.returncode == 1, result.stdout
    assert "GET / -> 500" in result.stdout
    assert "verify failed" in result.stdout


def test_verify_fails_when_nothing_listens() -> None:
    result = run_verify(f"http://127.0.0.1:{free_port()}")

    assert result.returncode == 1, result.stdout
    assert "cannot reach the app" in result.stdout
