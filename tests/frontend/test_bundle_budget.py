"""The browser telemetry stays out of the first load and within its budget (build output)."""

import json
from pathlib import Path

import pytest

from ecsotel.exercise.bundle import NEXT_DIR, SDK_MARKER, TELEMETRY_BUDGET_BYTES, Bundle, measure

built = pytest.mark.skipif(
    not (NEXT_DIR / "build-manifest.json").exists(),
    reason="no frontend build (make frontend-build)",
)


def _fake_build(root: Path, layout_chunk: bytes) -> Path:
    """A build output whose layout chunk is `layout_chunk` and whose lazy group holds the SDK."""
    chunks = root / "static" / "chunks"
    chunks.mkdir(parents=True)
    (root / "server" / "app").mkdir(parents=True)
    main = {"rootMainFiles": ["static/chunks/main.js"]}
    (root / "build-manifest.json").write_text(json.dumps(main))
    entries = {"[project]/app/layout": ["static/chunks/layout.js"], "[project]/app/page": []}
    manifest = json.dumps({"entryJSFiles": entries})
    (root / "server" / "app" / "page_client-reference-manifest.js").write_text(
        f'globalThis.__RSC_MANIFEST["/page"] = {manifest};'
    )
    (chunks / "main.js").write_bytes(b"runtime")
    (chunks / "layout.js").write_bytes(layout_chunk)
    (chunks / "sdk.js").write_bytes(SDK_MARKER + b" sdk")
    return root


def test_the_check_finds_an_sdk_bundled_into_the_first_load(tmp_path: Path) -> None:
    eager = _fake_build(tmp_path, b"component;" + SDK_MARKER)
    assert measure(eager).sdk_in_first_load() == ["static/chunks/layout.js"]


def test_the_check_finds_the_lazy_group(tmp_path: Path) -> None:
    lazy = _fake_build(tmp_path, b'e.v(t=>Promise.all(["static/chunks/sdk.js"].map(t=>e.l(t))))')
    bundle = measure(lazy)
    assert bundle.sdk_in_first_load() == []
    assert bundle.telemetry == ["static/chunks/sdk.js"]


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    """The figures of the current frontend build."""
    return measure()


@built
def test_first_load_holds_none_of_the_browser_sdk(bundle: Bundle) -> None:
    assert bundle.first_load, "found no first-load chunks in the build output"
    assert bundle.sdk_in_first_load() == [], "the browser SDK is in the first load"


@built
def test_browser_telemetry_is_a_lazy_chunk_within_budget(bundle: Bundle) -> None:
    assert bundle.telemetry, "no lazily loaded chunk holds the browser SDK"
    size = bundle.gzip_bytes(bundle.telemetry)
    assert size <= TELEMETRY_BUDGET_BYTES, f"{size} B gzip > budget {TELEMETRY_BUDGET_BYTES} B"
