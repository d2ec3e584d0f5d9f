"""X-Ray sampling rules as code (infra/sampling.tf), and the apps and sidecars that read them."""

import re

import pytest
import yaml

from tests.infra.terraform_model import ROOT, Infra, load_infra
from tests.infra.test_design import containers, environment

APPS = {"fastapi_service": "fastapi-app", "nextjs_service": "nextjs-app"}
# X-Ray's limit on a rule name.
RULE_NAME_MAX = 32


@pytest.fixture(scope="module")
def infra() -> Infra:
    """The parsed root module."""
    return load_infra()


def rule_templates(infra: Infra) -> list[dict[str, str]]:
    """The fields of each kind of rule in local.sampling_rules: writes first, then the rest."""
    bodies = re.findall(r"=> \{(service = [^{}]*)\}", infra.locals["sampling_rules"])
    return [dict(field.split(" = ", 1) for field in body.split(", ")) for body in bodies]


def test_writes_get_a_rule_per_service_and_method_before_the_catch_all(infra: Infra) -> None:
    rule = infra.resource("aws_xray_sampling_rule", "this")
    writes, everything = rule_templates(infra)

    assert set(infra.locals["sampled_services"]) == set(APPS.values())
    assert infra.locals["write_methods"] == ["POST", "PUT", "DELETE"]
    assert (
        "setproduct(keys(local.sampled_services), local.write_methods)"
        in (infra.locals["sampling_rules"])
    )
    assert writes["method"] == "pair[1]"
    assert everything["method"] == '"*"'
    # X-Ray tries rules in ascending priority: a write must meet its own rule first.
    assert int(writes["priority"]) < int(everything["priority"])
    # The rules exist with head sampling only: with "tail" nothing reads them.
    assert rule["for_each"] == "${local.tail ? {} : local.sampling_rules}"
    assert rule["http_method"] == "${each.value.method}"
    assert rule["service_name"] == "${each.value.service}"
    assert rule["version"] == 1
    for field in ("service_type", "host", "url_path", "resource_arn"):
        assert rule[field] == "*", field


def test_rates_and_reservoirs_are_variables_with_xrays_defaults_for_reads(infra: Infra) -> None:
    rule = infra.resource("aws_xray_sampling_rule", "this")
    writes, everything = rule_templates(infra)

    assert rule["fixed_rate"] == "${each.value.rate}"
    assert rule["reservoir_size"] == "${each.value.reservoir}"
    assert everything["rate"] == "var.sampling_rate"
    assert everything["reservoir"] == "var.sampling_reservoir"
    assert writes["rate"] == "var.sampling_writes_rate"
    assert writes["reservoir"] == "var.sampling_writes_reservoir"
    # X-Ray's own default rule: one a second, then 5 %; the apps' fallback is the same.
    assert infra.variables["sampling_rate"]["default"] == 0.05
    assert infra.variables["sampling_reservoir"]["default"] == 1
    assert infra.variables["sampling_writes_rate"]["default"] >= 0.05


def test_rule_names_fit_xrays_limit_with_the_longest_allowed_prefix(infra: Infra) -> None:
    longest_prefix = 21  # var.name's validation: ^[a-z][a-z0-9-]{1,20}$
    assert "{1,20}" in infra.variables["name"]["validation"][0]["condition"]
    short_names = infra.locals["sampled_services"].values()
    keys = [
        f"{short}-{method.lower()}" for short in short_names for method in ("POST", "PUT", "DELETE")
    ]
    for key in [*keys, *short_names]:
        assert longest_prefix + 1 + len(key) <= RULE_NAME_MAX, key


@pytest.mark.parametrize("module", APPS)
def test_apps_sample_by_the_rules_through_their_sidecars_proxy(infra: Infra, module: str) -> None:
    app = environment(containers(infra, module)[APPS[module]])
    proxy = yaml.safe_load((ROOT / "collector" / "config.yaml").read_text())["extensions"][
        "awsproxy"
    ]
    listen = re.fullmatch(r"\$\{env:OTELCOL_AWSPROXY_ENDPOINT:-(.+)\}", proxy["endpoint"])
    assert listen, proxy["endpoint"]

    assert app["OTEL_TRACES_SAMPLER"] == "xray"
    assert app["OTEL_TRACES_SAMPLER_ARG"] == f"endpoint=http://{listen.group(1)}"


def test_both_task_roles_may_read_the_rules_and_nothing_more(infra: Infra) -> None:
    document = infra.data["aws_iam_policy_document"]["sampling"]
    (statement,) = document["statement"]
    attachment = infra.resource("aws_iam_role_policy", "sampling")

    assert statement["actions"] == ["xray:GetSamplingRules", "xray:GetSamplingTargets"]
    assert statement["resources"] == ["*"]
    assert attachment["for_each"] == "${local.tail ? {} : aws_iam_role.task}"
    assert attachment["policy"] == "${data.aws_iam_policy_document.sampling.json}"
