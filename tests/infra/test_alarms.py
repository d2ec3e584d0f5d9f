"""Alarms: the designed ones, deliberate about missing data, into encrypted topics.

The threshold alarms that remain detect causes (tasks below desired, Aurora at its
maximum) or probe the app from outside (the synthetic check); what users see is the
SLOs' burn-rate alarms, which notify through their composites (tests/infra/test_slo.py).
"""

import re

import pytest

from ecsotel.exercise.slo.definitions import load
from tests.infra.terraform_model import ROOT, Infra, load_infra

TOPIC = ["${aws_sns_topic.alarms.arn}"]
# The alarms on causes; with trace_sampling = "tail" also the gateway's (infra/gateway.tf).
NOTIFYING = {
    "tasks_below_desired",
    "aurora_at_max_acu",
    "canary_failing",
    "gateway_running",
    "gateway_memory",
}
BURN_RATE = {"availability_burn_rate", "latency_burn_rate"}


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def test_the_designed_alarms_exist(infra: Infra) -> None:
    assert set(infra.resources["aws_cloudwatch_metric_alarm"]) == NOTIFYING | BURN_RATE


@pytest.mark.parametrize("name", sorted(BURN_RATE))
def test_a_burn_rate_window_alone_notifies_nobody(infra: Infra, name: str) -> None:
    """Only both windows together mean something: the composite alarms notify."""
    alarm = infra.resource("aws_cloudwatch_metric_alarm", name)

    assert "alarm_actions" not in alarm
    assert "ok_actions" not in alarm


@pytest.mark.parametrize("name", sorted(NOTIFYING))
def test_alarm_notifies_the_topic_and_chooses_what_missing_data_means(
    infra: Infra, name: str
) -> None:
    alarm = infra.resolve(infra.resource("aws_cloudwatch_metric_alarm", name))

    assert alarm["treat_missing_data"] in {"breaching", "notBreaching"}
    assert infra.resolve(alarm["alarm_actions"]) == TOPIC
    assert infra.resolve(alarm["ok_actions"]) == TOPIC
    assert isinstance(alarm["threshold"], int | float) or alarm["threshold"].startswith("${var.")
    assert alarm["alarm_description"]


@pytest.mark.parametrize("topic", ["alarms", "tickets"])
def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(infra: Infra, topic: str) -> None:
    """CloudWatch cannot publish to a topic under the AWS-managed SNS key."""
    body = infra.resource("aws_sns_topic", topic)
    assert body["kms_master_key_id"] == "${aws_kms_key.alarms.arn}"
    assert infra.resource("aws_kms_key", "alarms")["enable_key_rotation"] is True
    statements = infra.data["aws_iam_policy_document"]["alarms_key"]["statement"]
    services = [s["principals"][0]["identifiers"] for s in statements if "principals" in s]
    assert ["cloudwatch.amazonaws.com"] in services


@pytest.mark.parametrize("variable", ["alarm_email", "ticket_email"])
def test_email_subscription_is_optional(infra: Infra, variable: str) -> None:
    subscription = infra.resource("aws_sns_topic_subscription", variable)
    assert subscription["count"] == f"${{var.{variable} == null ? 0 : 1}}"
    assert infra.variables[variable]["default"] is None


def test_only_cloudwatch_of_this_account_publishes_to_each_topic(infra: Infra) -> None:
    policies = {
        name: infra.resource("aws_sns_topic_policy", name) for name in ("alarms", "tickets")
    }
    statement = infra.data["aws_iam_policy_document"]["topic"]["statement"][0]

    assert policies["alarms"]["policy"] == '${data.aws_iam_policy_document.topic["page"].json}'
    assert policies["tickets"]["policy"] == '${data.aws_iam_policy_document.topic["ticket"].json}'
    assert statement["resources"] == ["${each.value}"]
    assert statement["principals"][0]["identifiers"] == ["cloudwatch.amazonaws.com"]


def runbook_entry(description: str) -> str:
    """The docs/operate.md heading an alarm's description points at."""
    found = re.search(r'Runbook: docs/operate\.md, "([^"]+)"\.$', description)
    assert found, f"no runbook entry named in {description!r}"
    return found.group(1)


def test_every_notifying_alarm_names_its_runbook_entry(infra: Infra) -> None:
    """An alarm's description says where docs/operate.md tells what to do."""
    headings = set(re.findall(r"^### (\S+)$", (ROOT / "docs" / "operate.md").read_text(), re.M))
    composite = infra.resource("aws_cloudwatch_composite_alarm", "burn_rate")
    named = {
        runbook_entry(infra.resource("aws_cloudwatch_metric_alarm", name)["alarm_description"])
        for name in NOTIFYING
    }

    assert runbook_entry(composite["alarm_description"]) == "${each.value.alert.name}"
    assert named | {alert.name for alert in load().alerts} <= headings
