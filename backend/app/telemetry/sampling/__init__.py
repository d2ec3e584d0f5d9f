"""X-Ray remote sampling (``OTEL_TRACES_SAMPLER=xray``): the account's rules, through the sidecar.

Why not a stock sampler: none is on PyPI for Python. ``opentelemetry-sampler-aws-xray``
was merged into opentelemetry-python-contrib (PRs #3366, #3761) but is not published;
``aws-opentelemetry-distro`` 0.22.0 has ``AwsXRayRemoteSampler`` but pins
opentelemetry-api and -sdk 1.45.1 and the instrumentations 0.66b1 (we run 1.45.2 and
0.66b2), protobuf 6.33.5 (we run 7.x) and 43 instrumentations (reproduce:
``pip download aws-opentelemetry-distro==0.22.0 --no-deps -d /tmp/x``, then read the
wheel's METADATA).
Cost to keep: this package, 560 lines; re-check the SDK's ``Sampler`` interface
on SDK upgrades, and the X-Ray API reference when AWS changes the sampling API (the
fixtures in tests/fixtures/xray-sampling/ are its documented shapes).
Delete when: ``opentelemetry-sampler-aws-xray`` is published for our OpenTelemetry
line; setup.py then builds its sampler instead.

A thin adapter over the X-Ray sampling API (GetSamplingRules, SamplingTargets)
reached through the ADOT sidecar's ``awsproxy`` extension, which signs the calls: the
app holds no AWS credentials for it. It follows the X-Ray API reference and the
semantics of the JS contrib ``@opentelemetry/sampler-aws-xray``, and reads
``OTEL_TRACES_SAMPLER_ARG`` as ADOT does (``app.core.config.parse_sampler_arg``).
Modules: ``rules`` (what a rule matches), ``reservoir`` (one rule's decisions and
counts), ``client`` (the two API calls), ``sampler`` (the Sampler and its polling
thread).
"""

from app.telemetry.sampling.sampler import XRayRemoteSampler, xray_sampler

__all__ = ["XRayRemoteSampler", "xray_sampler"]
