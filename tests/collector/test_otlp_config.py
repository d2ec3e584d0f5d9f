"""collector/config.otlp.yaml as a document: the promises its header makes."""

from typing import Any

import yaml

from ecsotel.paths import COLLECTOR_DIR


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COLLECTOR_DIR / name).read_text(encoding="utf-8"))
    return loaded


OTLP = _load("config.otlp.yaml")
CLASSIC = _load("config.yaml")


def test_receivers_and_processors_are_those_of_config_yaml() -> None:
    assert OTLP["receivers"] == CLASSIC["receivers"]
    assert OTLP["processors"] == CLASSIC["processors"]
    assert OTLP["extensions"]["health_check"] == CLASSIC["extensions"]["health_check"]


def test_each_signal_goes_to_its_own_signed_exporter_with_a_disk_queue_and_retries() -> None:
    pipelines = OTLP["service"]["pipelines"]
    expected = {
        "traces": ("otlphttp/xray", "xray"),
        "metrics": ("otlphttp/monitoring", "monitoring"),
        "logs": ("otlphttp/logs", "logs"),
    }
    assert set(pipelines) == set(expected)
    for signal, (exporter, service) in expected.items():
        assert pipelines[signal]["exporters"] == [exporter]
        config = OTLP["exporters"][exporter]
        authenticator = config["auth"]["authenticator"]
        assert OTLP["extensions"][authenticator]["service"] == service
        assert config["sending_queue"]["storage"] == "file_storage"
        assert config["retry_on_failure"]["enabled"] is True
        # No time limit: only a full queue may drop data.
        assert config["retry_on_failure"]["max_elapsed_time"] == "0s"
        assert f"https://{service}.${{env:AWS_REGION}}.amazonaws.com" in config["endpoint"]


def test_every_extension_is_started() -> None:
    assert set(OTLP["service"]["extensions"]) == set(OTLP["extensions"])
