"""The sampling drill, short: 40 s of traffic with FAULT_RATE 5 % per mode, a gateway restarted.

The machinery is ecsotel/exercise/drills/sampling.py (which says how it counts);
`ecsotel sampling-drill` (`make sampling-drill`) runs the full one and writes its
table into docs/performance.md.
"""

import pytest

from ecsotel.exercise.drills.sampling import SHORT, problems, sampling_drill

pytestmark = pytest.mark.e2e


def test_tail_sampling_keeps_every_error_trace_whole_and_the_policys_share() -> None:
    measured = sampling_drill(SHORT)
    print(f"\nsampling drill: {measured}")

    assert problems(measured["tail"], measured["head"]) == []
    # A head sampler keeps errors at its share: most are lost.
    head = measured["head"]
    assert head["error_traces_complete"] < head["error_traces"]
