"""The render soak's verdict: the container's limit, and nothing rendered, are failures."""

from ecsotel.exercise.renders import Reading, section, verdict


def test_render_soak_fails_at_the_container_limit_or_with_nothing_rendered() -> None:
    under = [Reading(5000, 300.0), Reading(10000, 410.0)]
    over = [Reading(5000, 300.0), Reading(10000, 768.0)]

    assert verdict(under, 768)[0]
    assert "peak RSS 410 MiB" in verdict(under, 768)[1]
    assert not verdict(over, 768)[0]
    assert not verdict([], 768)[0]


def test_render_soak_section_lists_each_reading_and_the_verdict() -> None:
    text = section([Reading(5000, 300.0), Reading(10000, 410.0)], 768)

    assert "| renders | 5,000 | 10,000 |" in text
    assert "| RSS (MiB) | 300 | 410 |" in text
    assert "Passed: 10000 renders, peak RSS 410 MiB" in text
    assert "FAILED" in section([Reading(5000, 800.0)], 768)
