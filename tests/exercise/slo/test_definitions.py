"""infra/slo.yaml read into values, and refused when it says something impossible."""

from pathlib import Path

import pytest
import yaml

from ecsotel.exercise.slo.definitions import LATENCY, SEVERITIES, load
from ecsotel.paths import SLO_FILE


def written(tmp_path: Path, change: dict[str, object]) -> Path:
    """A copy of the definitions file with `change` applied to its top level."""
    raw = yaml.safe_load(SLO_FILE.read_text())
    raw.update(change)
    path = tmp_path / "slo.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_the_file_defines_both_slos_and_alerts_of_known_severity() -> None:
    definitions = load()

    assert set(definitions.objectives) == {"availability", LATENCY}
    assert definitions.objectives[LATENCY].threshold_seconds
    assert {alert.severity for alert in definitions.alerts} == set(SEVERITIES)
    assert all(0 < o.objective < 1 for o in definitions.objectives.values())


def test_an_unknown_severity_is_refused(tmp_path: Path) -> None:
    alerts = yaml.safe_load(SLO_FILE.read_text())["burn_rate_alerts"]
    alerts[0]["severity"] = "sms"

    with pytest.raises(ValueError, match="severity must be one of"):
        load(written(tmp_path, {"burn_rate_alerts": alerts}))


def test_a_short_window_longer_than_the_long_one_is_refused(tmp_path: Path) -> None:
    alerts = yaml.safe_load(SLO_FILE.read_text())["burn_rate_alerts"]
    alerts[0]["short_window_minutes"] = alerts[0]["long_window_minutes"]

    with pytest.raises(ValueError, match="the short window must be the shorter"):
        load(written(tmp_path, {"burn_rate_alerts": alerts}))


def test_a_latency_slo_without_a_threshold_is_refused(tmp_path: Path) -> None:
    objectives = yaml.safe_load(SLO_FILE.read_text())["objectives"]
    del objectives[LATENCY]["threshold_seconds"]

    with pytest.raises(ValueError, match="needs threshold_seconds"):
        load(written(tmp_path, {"objectives": objectives}))
