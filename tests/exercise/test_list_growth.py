"""The list benchmark's bounds: each one fails on figures that break it."""

from ecsotel.exercise.list_growth import Level, failures, section

EMPTY = 20_000


def level(todos: int, render_ms: float = 50.0, page_bytes: int = 150_000) -> Level:
    """Figures for one level; the defaults pass every bound."""
    return Level(todos, api_ms=3.0, api_bytes=12_000, render_ms=render_ms, page_bytes=page_bytes)


def test_figures_within_bounds_pass() -> None:
    assert failures([level(100), level(1_000), level(10_000, render_ms=70.0)], EMPTY) == []


def test_a_render_that_grows_past_1_5x_fails() -> None:
    broken = failures([level(100), level(10_000, render_ms=80.0)], EMPTY)

    assert broken == ["render at 10000 todos is 1.60x the render at 100 (at most 1.5x)"]


def test_a_first_page_over_250_kib_fails() -> None:
    broken = failures([level(100), level(10_000, page_bytes=300_000)], EMPTY)

    assert broken == ["first page at 10000 todos is 300000 B (> 250 KiB)"]


def test_more_than_1_5_kb_per_todo_fails() -> None:
    broken = failures([level(100, page_bytes=EMPTY + 100 * 1_600), level(10_000)], EMPTY)

    assert broken == ["1600 B of HTML per todo (at most 1500)"]


def test_the_section_tables_each_level_and_names_a_broken_bound() -> None:
    levels = [level(100), level(10_000, render_ms=80.0)]

    text = section(levels, EMPTY, failures(levels, EMPTY))

    assert "| 10,000 | 3.0 ms | 11.7 KiB | 80 ms | 146.5 KiB |" in text
    assert "render at 10,000 todos 1.60x the render at 100" in text
    assert "Verdict: FAILED: render at 10000 todos is 1.60x" in text
    assert "Verdict: passed." in section([level(100), level(1_000)], EMPTY, [])
