"""The dependency audit's judgement: findings, the allow-list, and a failed advisory service."""

from datetime import date

import pytest

from tools.audit import (
    AuditError,
    Finding,
    load_allowlist,
    npm_findings,
    pip_findings,
    stale,
    unexcused,
)

PIP_REPORT = {
    "dependencies": [
        {
            "name": "jinja2",
            "version": "3.1.2",
            "vulns": [{"id": "GHSA-h5c8", "fix_versions": ["3.1.3"]}],
        },
        {"name": "httpx", "version": "0.28.1", "vulns": []},
    ]
}
NPM_REPORT = {
    "vulnerabilities": {
        "next": {
            "via": [
                {"source": 1, "url": "https://github.com/advisories/GHSA-abcd", "range": "<16.0.1"}
            ],
            "fixAvailable": True,
        },
        # A package listed only because it depends on a vulnerable one: no advisory of its own.
        "geist": {"via": ["next"], "fixAvailable": True},
    }
}
ALLOWLIST = """
[[advisory]]
id = "GHSA-h5c8"
package = "jinja2"
reason = "templates are never built from user input"
date = 2026-12-02
"""


def test_pip_audit_findings_are_read_per_advisory() -> None:
    assert pip_findings("backend", PIP_REPORT) == [
        Finding("backend", "jinja2", "3.1.2", "GHSA-h5c8", "3.1.3")
    ]


def test_npm_findings_are_advisories_not_dependents() -> None:
    findings = npm_findings(NPM_REPORT)
    assert [(f.package, f.advisory) for f in findings] == [("next", "GHSA-abcd")]


def test_a_finding_without_an_excuse_fails() -> None:
    findings = pip_findings("root", PIP_REPORT) + npm_findings(NPM_REPORT)
    left = unexcused(findings, load_allowlist(ALLOWLIST))
    assert [f.advisory for f in left] == ["GHSA-abcd"]


def test_an_excuse_for_another_package_does_not_cover_the_finding() -> None:
    excuses = load_allowlist(ALLOWLIST.replace('package = "jinja2"', 'package = "other"'))
    assert unexcused(pip_findings("root", PIP_REPORT), excuses) != []


def test_an_entry_without_reason_is_refused() -> None:
    with pytest.raises(AuditError, match="lacks reason"):
        load_allowlist(
            ALLOWLIST.replace('reason = "templates are never built from user input"', "")
        )


def test_an_entry_needs_a_real_date() -> None:
    with pytest.raises(AuditError, match="YYYY-MM-DD"):
        load_allowlist(ALLOWLIST.replace("date = 2026-12-02", 'date = "soon"'))
    assert load_allowlist(ALLOWLIST)["GHSA-h5c8"].judged == date(2026, 12, 2)


def test_an_entry_that_matches_nothing_is_reported_stale() -> None:
    assert stale([], load_allowlist(ALLOWLIST)) == ["GHSA-h5c8"]


def test_a_failed_advisory_service_is_an_error_not_a_clean_report() -> None:
    with pytest.raises(AuditError, match="405"):
        npm_findings({"statusCode": 405, "message": "405 Method Not Allowed"})


def test_the_checked_in_allowlist_is_valid() -> None:
    from tools.audit import ALLOWLIST as PATH

    load_allowlist(PATH.read_text())
