"""X-Ray remote sampling: the sampling rules of the account, fetched through the sidecar.

``OTEL_TRACES_SAMPLER=xray`` selects it (app/core/telemetry.py). A thin adapter over
the X-Ray sampling API (GetSamplingRules, SamplingTargets) reached through the ADOT
sidecar's ``awsproxy`` extension, which signs the calls: the app holds no AWS
credentials for it. Modules: ``arg`` (OTEL_TRACES_SAMPLER_ARG), ``rules`` (what a
rule matches), ``reservoir`` (one rule's decisions and statistics), ``client``
(the two API calls), ``sampler`` (the Sampler and its polling thread).
"""
