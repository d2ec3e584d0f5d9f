"""The outage drill, short: steady traffic, the endpoints unreachable, the sidecar restarted.

The machinery is ecsotel/exercise/drills/pipeline.py (which says how the drill
runs); this runs its short timeline (24 s at 20 traces/s, a 10 s outage) on the
collector tests' moto. `ecsotel pipeline-drill` (`make pipeline-drill`) runs the
full one, whose figures the README quotes.
"""

from pathlib import Path

from mypy_boto3_xray import XRayClient

from ecsotel.exercise.drills.pipeline import SHORT, otlp_drill, record, xray_exporter_drill
from ecsotel.local.moto import LocalAws
from ecsotel.local.process import LogWriter


def test_otlp_pipeline_loses_no_span_through_an_outage_and_a_restart(
    aws: LocalAws, service_log: LogWriter, xray: XRayClient, tmp_path: Path
) -> None:
    figures = otlp_drill(
        aws=aws, log=service_log, xray=xray, queue_dir=tmp_path / "queue", timeline=SHORT
    )
    path = record("otlp", figures, SHORT)
    print(f"\noutage drill, otlp pipeline: {figures}; {path}")
    assert figures["exported_by_app"] > 0.8 * SHORT.traffic * SHORT.rate
    assert figures["lost"] == 0, figures


def test_xray_exporter_pipeline_loss_is_measured(
    aws: LocalAws, service_log: LogWriter, xray: XRayClient
) -> None:
    figures = xray_exporter_drill(aws=aws, log=service_log, xray=xray, timeline=SHORT)
    path = record("xray-exporter", figures, SHORT)
    print(f"\noutage drill, xray-exporter pipeline: {figures}; {path}")
    assert figures["exported_by_app"] > 0.8 * SHORT.traffic * SHORT.rate
    assert figures["arrived"] + figures["lost"] == figures["exported_by_app"]
