"""The list as it grows: `ecsotel bench-list` (`make bench-list`).

Starts the whole local stack on free ports (the e2e tests' code, loopback only),
then at 10,000, 1,000 and 100 todos (in that order: seeded, then trimmed) measures
the API's first page (`GET /api/todos/`, p50), the page's server render (`GET /`,
p50) and the size of the first page's HTML. Bounded: a fixed number of requests
per level.

The bounds it enforces (the command exits 1 when one fails): the render at the largest
level within 1.5x of the render at the smallest, every first page's HTML at most
250 KiB, and at most 1.5 KB of HTML per todo (page with todos minus the empty page,
divided by the todos on it).
"""

import statistics
import time
from dataclasses import dataclass

import httpx

from ecsotel.exercise.report import PERFORMANCE, measured_by, table, write_sections
from ecsotel.exercise.seed import count, keep_first, seed
from ecsotel.local.ports import Ports
from ecsotel.local.process import log_file
from ecsotel.local.stack import Stack, running_stack
from ecsotel.paths import CACHE_DIR

LEVELS = (100, 1_000, 10_000)
RENDER_RATIO_MAX = 1.5
PAGE_BYTES_MAX = 250 * 1024
BYTES_PER_TODO_MAX = 1_500
PAGE_SIZE = 100  # the page's todos per page (the API's default limit)


@dataclass(frozen=True)
class Level:
    """The figures at one number of todos."""

    todos: int
    api_ms: float
    api_bytes: int
    render_ms: float
    page_bytes: int


def p50_ms(client: httpx.Client, url: str, rounds: int) -> tuple[float, httpx.Response]:
    """The median time of `rounds` GETs of `url` (after as many untimed ones), and the last answer.

    The untimed ones matter most at the first level: a fresh Node.js server renders
    its first pages several times slower while its JIT warms up, which would
    flatter every later level.
    """
    for _ in range(rounds):
        client.get(url).raise_for_status()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    return statistics.median(times), response


def measure(stack: Stack, todos: int, rounds: int) -> Level:
    """Bring the database to `todos` todos, then time the API's first page and the page."""
    have = count(stack)
    if have < todos:
        seed(stack, todos - have, start=have + 1)
    else:
        keep_first(stack, todos)
    with httpx.Client(timeout=60) as client:
        api_ms, api = p50_ms(client, f"{stack.backend_url}/api/todos/", rounds * 2)
        render_ms, page = p50_ms(client, f"{stack.frontend_url}/", rounds)
    return Level(todos, api_ms, len(api.content), render_ms, len(page.content))


def empty_page_bytes(stack: Stack) -> int:
    """The size of the page with no todo, the base the per-todo figure is taken from."""
    with httpx.Client(timeout=60) as client:
        return len(client.get(f"{stack.frontend_url}/").content)


def failures(levels: list[Level], empty: int) -> list[str]:
    """Every bound the figures break, as sentences."""
    broken = []
    ratio = levels[-1].render_ms / levels[0].render_ms
    if ratio > RENDER_RATIO_MAX:
        broken.append(
            f"render at {levels[-1].todos} todos is {ratio:.2f}x the render at "
            f"{levels[0].todos} (at most {RENDER_RATIO_MAX}x)"
        )
    for level in levels:
        if level.page_bytes > PAGE_BYTES_MAX:
            broken.append(f"first page at {level.todos} todos is {level.page_bytes} B (> 250 KiB)")
    per_todo = (levels[0].page_bytes - empty) / min(levels[0].todos, PAGE_SIZE)
    if per_todo > BYTES_PER_TODO_MAX:
        broken.append(f"{per_todo:.0f} B of HTML per todo (at most {BYTES_PER_TODO_MAX})")
    return broken


def section(levels: list[Level], empty: int, broken: list[str]) -> str:
    """The figures as the report's table, the derived ratios and the verdict."""
    rows = [
        [
            f"{level.todos:,}",
            f"{level.api_ms:.1f} ms",
            f"{level.api_bytes / 1024:.1f} KiB",
            f"{level.render_ms:.0f} ms",
            f"{level.page_bytes / 1024:.1f} KiB",
        ]
        for level in levels
    ]
    per_todo = (levels[0].page_bytes - empty) / min(levels[0].todos, PAGE_SIZE)
    ratio = levels[-1].render_ms / levels[0].render_ms
    verdict = "passed" if not broken else "FAILED: " + "; ".join(broken)
    return (
        "The whole local stack, the database filled to each level (largest first); p50 of "
        "the API's first page and of the page's server render, and the first page's "
        f"weight. Bounds: the render at the largest level within {RENDER_RATIO_MAX}x the "
        f"smallest's, every first page at most {PAGE_BYTES_MAX // 1024} KiB, at most "
        f"{BYTES_PER_TODO_MAX:,} B of HTML per todo.\n\n"
        + table(["todos", "API first page", "API body", "page GET /", "page HTML"], rows)
        + f"\nEmpty page {empty / 1024:.1f} KiB; {per_todo:.0f} B of HTML per todo; render at "
        f"{levels[-1].todos:,} todos {ratio:.2f}x the render at {levels[0].todos:,}.\n\n"
        f"Verdict: {verdict}. {measured_by('make bench-list')}\n"
    )


def bench_list(rounds: int) -> list[str]:
    """Measure every level, print the table; return the bounds broken, as sentences."""
    with (
        log_file(CACHE_DIR / "bench" / "list-stack.log") as log,
        running_stack(log, Ports.free(), progress=print) as stack,
    ):
        empty = empty_page_bytes(stack)
        # Largest first: whatever warming up the servers still do then counts
        # against the bound (the largest level measured coldest), never for it.
        measured = [measure(stack, todos, rounds) for todos in reversed(LEVELS)]
    levels = sorted(measured, key=lambda level: level.todos)
    broken = failures(levels, empty)
    text = section(levels, empty, broken)
    print(text, flush=True)
    write_sections(PERFORMANCE, {"Data growth": text})
    return broken
