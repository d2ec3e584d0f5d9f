"""The pipeline drill's verdict, fed figures that break it: each must fail."""

from ecsotel.exercise.drills.pipeline import SHORT, Figures, problems

# 24 s at 20 traces/s: 480 sent.
CLEAN: Figures = {"exported_by_app": 470, "arrived": 470, "lost": 0}


def test_clean_figures_pass_on_both_pipelines() -> None:
    assert problems("otlp", CLEAN, SHORT) == []
    assert problems("xray-exporter", {**CLEAN, "arrived": 170, "lost": 300}, SHORT) == []


def test_a_lost_span_fails_the_otlp_pipeline_only() -> None:
    lossy = {**CLEAN, "arrived": 469, "lost": 1}

    assert problems("otlp", lossy, SHORT) == ["1 traces lost on the OTLP pipeline"]
    assert problems("xray-exporter", lossy, SHORT) == []


def test_too_little_traffic_fails() -> None:
    thin: Figures = {"exported_by_app": 384, "arrived": 384, "lost": 0}

    assert problems("otlp", thin, SHORT) == ["the app exported only 384 traces"]


def test_traces_neither_arrived_nor_lost_fail() -> None:
    uncounted = {**CLEAN, "arrived": 400}

    assert problems("xray-exporter", uncounted, SHORT) == [
        "arrived and lost do not add up to the traces exported"
    ]
