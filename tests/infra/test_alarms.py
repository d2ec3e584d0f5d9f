"""Alarms: the designed ones, deliberate about missing data, into one encrypted topic."""

import pytest

from tests.infra.terraform_model import Infra, load_infra

TOPIC = ["${aws_sns_topic.alarms.arn}"]
EXPECTED = {
    "alb_5xx_rate",
    "backend_p99_latency",
    "unhealthy_targets",
    "tasks_below_desired",
    "aurora_at_max_acu",
    "server_action_errors",
    # With trace_sampling = "tail" only (infra/gateway.tf).
    "gateway_running",
    "gateway_memory",
}


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def test_the_designed_alarms_exist(infra: Infra) -> None:
    assert set(infra.resources["aws_cloudwatch_metric_alarm"]) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_notifies_the_topic_and_chooses_what_missing_data_means(
    infra: Infra, name: str
) -> None:
    alarm = infra.resolve(infra.resource("aws_cloudwatch_metric_alarm", name))

    assert alarm["treat_missing_data"] in {"breaching", "notBreaching"}
    assert infra.resolve(alarm["alarm_actions"]) == TOPIC
    assert infra.resolve(alarm["ok_actions"]) == TOPIC
    assert isinstance(alarm["threshold"], int | float) or alarm["threshold"].startswith("${var.")
    assert alarm["alarm_description"]


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(infra: Infra) -> None:
    """CloudWatch cannot publish to a topic under the AWS-managed SNS key."""
    topic = infra.resource("aws_sns_topic", "alarms")
    assert topic["kms_master_key_id"] == "${aws_kms_key.alarms.arn}"
    assert infra.resource("aws_kms_key", "alarms")["enable_key_rotation"] is True
    statements = infra.data["aws_iam_policy_document"]["alarms_key"]["statement"]
    services = [s["principals"][0]["identifiers"] for s in statements if "principals" in s]
    assert ["cloudwatch.amazonaws.com"] in services


def test_email_subscription_is_optional(infra: Infra) -> None:
    subscription = infra.resource("aws_sns_topic_subscription", "alarm_email")
    assert subscription["count"] == "${var.alarm_email == null ? 0 : 1}"
    assert infra.variables["alarm_email"]["default"] is None
