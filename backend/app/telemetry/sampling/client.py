"""The two X-Ray sampling calls, through the sidecar's awsproxy (which signs them).

Plain HTTP to 127.0.0.1 with the standard library: the proxy adds SigV4, so no AWS
SDK is needed, and a timeout bounds every call.
"""

import json
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

# Pages of GetSamplingRules followed at most; an account holds at most a few hundred rules.
_MAX_PAGES = 50


class SamplingApiError(Exception):
    """A sampling call failed: unreachable, an HTTP error, or an answer of the wrong shape."""


class SamplingClient:
    """POSTs to ``{endpoint}/GetSamplingRules`` and ``{endpoint}/SamplingTargets``."""

    def __init__(self, endpoint: str, timeout: float) -> None:
        self.endpoint = endpoint
        self._timeout = timeout
        # No proxies: HTTP(S)_PROXY of the environment must not capture calls meant
        # for the sidecar next to the app.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def sampling_rules(self) -> list[Any]:
        """Every ``SamplingRuleRecord``, following NextToken."""
        records: list[Any] = []
        body: dict[str, Any] = {}
        for _ in range(_MAX_PAGES):
            page = self._post("GetSamplingRules", body)
            found = page.get("SamplingRuleRecords")
            if not isinstance(found, list):
                raise SamplingApiError("GetSamplingRules: no SamplingRuleRecords list")
            records.extend(found)
            token = page.get("NextToken")
            if not token:
                return records
            body = {"NextToken": token}
        raise SamplingApiError(f"GetSamplingRules: more than {_MAX_PAGES} pages")

    def sampling_targets(self, statistics: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Report statistics; the answer holds the targets and LastRuleModification."""
        answer = self._post("SamplingTargets", {"SamplingStatisticsDocuments": statistics})
        if not isinstance(answer.get("SamplingTargetDocuments"), list):
            raise SamplingApiError("SamplingTargets: no SamplingTargetDocuments list")
        return answer

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        # The endpoint was checked to be http(s) at start-up (arg.py).
        request = urllib.request.Request(  # noqa: S310
            f"{self.endpoint}/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                answer = json.load(response)
        except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts, bad JSON
            raise SamplingApiError(f"{path}: {error}") from error
        if not isinstance(answer, dict):
            raise SamplingApiError(f"{path}: the answer is not a JSON object")
        return answer
