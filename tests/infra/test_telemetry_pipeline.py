"""telemetry_pipeline: "xray-exporter" (the design) or "otlp", and what each one gets."""

import re

import pytest
import yaml

from tests.infra.terraform_model import ROOT, Infra, block, load_infra

OTLP_ONLY = [
    ("aws_cloudwatch_log_resource_policy", "transaction_search"),
    ("aws_xray_trace_segment_destination", "this"),
    ("aws_xray_indexing_rule", "default"),
]


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def test_pipeline_defaults_to_the_xray_exporter_and_accepts_only_the_two(infra: Infra) -> None:
    variable = infra.variables["telemetry_pipeline"]
    assert variable["default"] == "xray-exporter"
    condition = block(variable["validation"])["condition"]
    assert '["xray-exporter", "otlp"]' in condition
    assert infra.locals["otlp"] == '${var.telemetry_pipeline == "otlp"}'


@pytest.mark.parametrize(("kind", "name"), OTLP_ONLY)
def test_transaction_search_exists_only_on_the_otlp_pipeline(
    infra: Infra, kind: str, name: str
) -> None:
    assert infra.resource(kind, name)["count"] == "${local.otlp ? 1 : 0}"


def test_transaction_search_sends_spans_to_cloudwatch_logs_once_x_ray_may_write(
    infra: Infra,
) -> None:
    destination = infra.resource("aws_xray_trace_segment_destination", "this")
    assert destination["destination"] == "CloudWatchLogs"
    assert destination["depends_on"] == ["${aws_cloudwatch_log_resource_policy.transaction_search}"]
    rule = infra.resource("aws_xray_indexing_rule", "default")
    assert rule["name"] == "Default"
    sampling = block(block(rule["rule"])["probabilistic"])["desired_sampling_percentage"]
    assert sampling == "${var.xray_indexing_percentage}"
    assert infra.variables["xray_indexing_percentage"]["default"] == 1


def test_x_ray_may_write_only_the_two_span_groups_for_this_account(infra: Infra) -> None:
    statement = block(infra.data["aws_iam_policy_document"]["transaction_search"]["statement"])
    assert statement["actions"] == ["logs:PutLogEvents"]
    assert block(statement["principals"])["identifiers"] == ["xray.amazonaws.com"]
    assert '["aws/spans", "/aws/application-signals/data"]' in statement["resources"]
    assert {c["variable"] for c in statement["condition"]} == {
        "aws:SourceArn",
        "aws:SourceAccount",
    }


def test_each_task_role_gets_only_its_pipelines_grants(infra: Infra) -> None:
    policy = infra.resource("aws_iam_role_policy", "telemetry")["policy"]
    assert policy == (
        "${local.otlp ? data.aws_iam_policy_document.telemetry_otlp[each.key].json"
        " : data.aws_iam_policy_document.telemetry.json}"
    )
    otlp = {
        s["sid"]: s for s in infra.data["aws_iam_policy_document"]["telemetry_otlp"]["statement"]
    }
    assert set(otlp) == {"WriteMetrics", "WriteAppLogs"}
    assert otlp["WriteMetrics"]["actions"] == ["cloudwatch:PutMetricData"]
    assert otlp["WriteAppLogs"]["actions"] == ["logs:PutLogEvents"]
    # Its own group and stream, nothing else.
    assert otlp["WriteAppLogs"]["resources"] == [
        "${each.value.arn}",
        "${aws_cloudwatch_log_stream.otlp_logs[each.key].arn}",
    ]
    classic = infra.data["aws_iam_policy_document"]["telemetry"]["statement"]
    assert [s["sid"] for s in classic] == ["WriteMetricsLogGroup"]


def test_whoever_exports_traces_may_write_them_with_the_pipelines_api(infra: Infra) -> None:
    """The app sidecars with head sampling, the gateway alone with tail sampling."""
    documents = infra.data["aws_iam_policy_document"]
    (spans,) = documents["write_spans"]["statement"]
    (segments,) = documents["write_traces"]["statement"]
    assert spans["actions"] == ["xray:PutSpans", "xray:PutSpansForIndexing"]
    assert segments["actions"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    grant = infra.resource("aws_iam_role_policy", "write_traces")
    assert grant["policy"] == (
        "${local.otlp ? data.aws_iam_policy_document.write_spans.json"
        " : data.aws_iam_policy_document.write_traces.json}"
    )
    assert grant["for_each"] == "${local.trace_writers}"
    assert infra.locals["trace_writers"] == (
        '${local.tail ? {for role in aws_iam_role.gateway : "otel-gateway" => role}'
        " : aws_iam_role.task}"
    )


def test_sidecar_queue_is_a_writable_task_volume_on_the_otlp_pipeline(infra: Infra) -> None:
    mounts = infra.locals["collector_container"]["mountPoints"]
    assert "local.otlp" in mounts
    assert "sourceVolume = local.collector_queue_volume" in mounts
    assert "readOnly = false" in mounts
    for module in ("fastapi_service", "nextjs_service"):
        assert "local.collector_volumes" in infra.modules[module]["volume"]


def test_sidecar_gets_every_variable_config_otlp_yaml_requires(infra: Infra) -> None:
    config = (ROOT / "collector" / "config.otlp.yaml").read_text(encoding="utf-8")
    # Those without a default, and the queue's directory (the volume's mount point).
    required = {"OTELCOL_LOG_GROUP", "OTELCOL_LOG_STREAM", "OTELCOL_QUEUE_DIR"}
    assert required <= set(re.findall(r"\$\{env:(\w+)", config))
    given = set(re.findall(r'name = "(\w+)"', infra.locals["collector_otlp_environment"]))
    assert required <= given


def test_queue_directory_is_the_configs_default(infra: Infra) -> None:
    config = yaml.safe_load((ROOT / "collector" / "config.otlp.yaml").read_text(encoding="utf-8"))
    directory = config["extensions"]["file_storage"]["directory"]
    assert directory == f"${{env:OTELCOL_QUEUE_DIR:-{infra.locals['collector_queue_dir']}}}"


def test_apps_send_logs_over_otlp_only_on_the_otlp_pipeline(infra: Infra) -> None:
    # otel_environment concatenates app-env.json, so the model keeps it as an expression.
    environment = infra.locals["otel_environment"]
    assert '{name = "OTEL_LOGS_EXPORTER", value = local.otlp ? "otlp" : "none"}' in environment


def test_only_the_otlp_sidecar_runs_as_root_and_still_without_capabilities(infra: Infra) -> None:
    sidecar = infra.locals["collector_container"]
    # Its queue volume is created root-owned by Fargate (infra/ecs.tf says why).
    assert sidecar["user"] == '${local.otlp ? "0" : "10001"}'
    assert sidecar["linuxParameters"] == {"capabilities": {"drop": ["ALL"]}}
    assert sidecar["readonlyRootFilesystem"] is True
