"""What the page's JavaScript weighs, read from the frontend's build output.

First-load JS: the chunks the HTML of `/` loads (Next.js's root chunks plus the
layout's and page's entry chunks). The browser telemetry: the lazy chunk group
that the loader imports after first paint (the one holding the SDK's start mark).
Sizes are gzip level 9, as a CDN or the load balancer would serve them.

`ecsotel bundle-size` (`make bundle-size`) prints the figures; tests/frontend holds
the budget.
"""

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ecsotel.paths import REPO_ROOT

NEXT_DIR = REPO_ROOT / "frontend" / ".next"
# The performance mark lib/telemetry/browser/start.ts sets: it is in the SDK's chunk only.
SDK_MARKER = b"browser-telemetry-started"
# The budget the README states for the lazily loaded browser telemetry.
TELEMETRY_BUDGET_BYTES = 40 * 1024
# A chunk group the runtime loads on demand: `Promise.all(["static/chunks/a.js", ...].map(...))`.
ASYNC_GROUP = re.compile(rb"Promise\.all\(\[((?:\"static/chunks/[^\"]+\",?)+)\]")


@dataclass(frozen=True)
class Bundle:
    """The chunks of the first load and of the telemetry's lazy group."""

    next_dir: Path
    first_load: list[str]
    telemetry: list[str]

    def sdk_in_first_load(self) -> list[str]:
        """First-load chunks that hold the browser SDK (there should be none)."""
        return [c for c in self.first_load if SDK_MARKER in (self.next_dir / c).read_bytes()]

    def gzip_bytes(self, chunks: list[str]) -> int:
        """The gzip size of `chunks` together (each compressed on its own, as served)."""
        return sum(len(gzip.compress((self.next_dir / c).read_bytes(), 9)) for c in chunks)


def first_load_chunks(next_dir: Path) -> list[str]:
    """The JS files the HTML of `/` loads (polyfills excluded: modern browsers skip them)."""
    manifest = json.loads((next_dir / "build-manifest.json").read_text())
    chunks = set(manifest["rootMainFiles"])
    source = (next_dir / "server" / "app" / "page_client-reference-manifest.js").read_text()
    rsc = json.loads(source[source.index("= {") + 2 :].rstrip().rstrip(";"))
    for entry in ("[project]/app/layout", "[project]/app/page"):
        chunks.update(rsc["entryJSFiles"][entry])
    return sorted(chunks)


def telemetry_chunks(next_dir: Path, first_load: list[str]) -> list[str]:
    """The lazy chunk group, referenced by a first-load chunk, that holds the browser SDK."""
    for chunk in first_load:
        for group in ASYNC_GROUP.findall((next_dir / chunk).read_bytes()):
            files = [name.decode() for name in re.findall(rb"\"([^\"]+)\"", group)]
            if any(SDK_MARKER in (next_dir / f).read_bytes() for f in files):
                return files
    return []


def measure(next_dir: Path = NEXT_DIR) -> Bundle:
    """The current build's first-load and telemetry chunks."""
    first_load = first_load_chunks(next_dir)
    return Bundle(next_dir, first_load, telemetry_chunks(next_dir, first_load))


def figures(bundle: Bundle) -> list[str]:
    """The figures of a build, one line each."""
    first, lazy = bundle.gzip_bytes(bundle.first_load), bundle.gzip_bytes(bundle.telemetry)
    return [
        f"first-load JS of /: {first / 1024:.1f} kB gzip ({len(bundle.first_load)} chunks)",
        f"browser telemetry, loaded lazily: {lazy / 1024:.1f} kB gzip "
        f"(budget {TELEMETRY_BUDGET_BYTES / 1024:.0f} kB; {len(bundle.telemetry)} chunks)",
    ]
