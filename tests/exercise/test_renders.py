"""The render soak's verdict: the container's limit, and nothing rendered, are failures."""

from ecsotel.exercise.renders import Reading, verdict


def test_render_soak_fails_at_the_container_limit_or_with_nothing_rendered() -> None:
    under = [Reading(5000, 300.0), Reading(10000, 410.0)]
    over = [Reading(5000, 300.0), Reading(10000, 768.0)]

    assert verdict(under, 768)[0]
    assert "peak RSS 410 MiB" in verdict(under, 768)[1]
    assert not verdict(over, 768)[0]
    assert not verdict([], 768)[0]
