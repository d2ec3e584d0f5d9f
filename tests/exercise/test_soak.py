"""The soak's growth measure: floors of the first and last windows, not single readings."""

import pytest

from ecsotel.exercise.soak import MAX_GROWTH, floor_growth, growth_rows


def test_a_sawtooth_that_returns_to_its_floor_is_no_growth() -> None:
    # A garbage-collected heap: up and down, the same floor throughout.
    readings = [100.0, 150.0, 190.0, 100.0, 160.0, 101.0, 180.0, 100.0]

    first, last, growth = floor_growth(readings, per_window=3)

    assert (first, last) == (100.0, 100.0)
    assert growth < MAX_GROWTH


def test_a_rising_floor_is_growth_even_below_the_peak() -> None:
    # A leak: every collection leaves more behind.
    readings = [100.0, 140.0, 105.0, 150.0, 120.0, 160.0, 125.0, 170.0]

    _, _, growth = floor_growth(readings, per_window=3)

    assert growth > MAX_GROWTH


def test_too_few_readings_for_two_windows_is_an_error() -> None:
    with pytest.raises(ValueError, match="too few"):
        floor_growth([100.0, 101.0, 102.0], per_window=2)


def test_growth_rows_judge_each_component_by_its_floors() -> None:
    steady = [100.0, 120.0] * 12  # 24 readings: two windows of 12 (2 min every 10 s)
    leaking = [100.0 + index for index in range(24)]

    rows = growth_rows({"backend": steady, "frontend": leaking})

    assert rows["backend"] == 0.0
    assert rows["frontend"] == pytest.approx(0.12)
