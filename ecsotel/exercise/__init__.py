"""Exercising the system: every bench, load test, drill, soak and fuzz run, on one harness.

The map, one line a module (each `ecsotel` command lives in commands.py or
fault_commands.py):

- commands.py: the Typer commands that measure (bench, bench-list, load, sampling-cost,
  soak, soak-renders, bundle-size), options and printing only
- fault_commands.py: those that break or judge (drills, pipeline-drill, sampling-drill,
  fuzz, slo, slo-drill, canary)
- harness/servers.py: a bench's apps from the stack's own specs, its PostgreSQL, its OTLP sink
- harness/wrk.py: the one wrk runner (Scenario, WrkLoad, Result, run_wrk, settle, take_turns)
- harness/procfs.py: the one /proc reader (cpu_seconds, session_cpu_seconds, rss_mib,
  every_process, machine_cpu)
- harness/machine.py: whether the machine is idle enough to measure on (watching, IdleLimits)
- harness/otlp_sink.py: the one OTLP sink, the real collector binary with a debug exporter
- harness/traffic.py: Traffic, the drills' and the soak's steady request generator
- harness/telemetrygen.py: the one telemetrygen runner (the collector and gateway cases)
- bench/backend.py, frontend.py, latency.py, collector.py: `ecsotel bench`, tier by tier
- bench/gateway.py: the tail-sampling gateway's cost (`ecsotel bench`, `sampling-cost`)
- bench/figures.py: ratios per round, medians per run, the median of runs and its spread
- bench/report.py, sections.py, chart.py, run.py: the budgets and the verdict,
  docs/performance.md and its chart, the whole `ecsotel bench`
- list_growth.py: `ecsotel bench-list`, the list at 100 to 10,000 todos
- seed.py: thousands of todos in one statement (bench-list, the e2e tests)
- load/: `ecsotel load`, the Locust user mix, the stepped ramp, its table and plot
- drills/table.py, faults.py, rotation.py, checks.py, run.py: `ecsotel drills`
- drills/pipeline.py, forwarder.py: `ecsotel pipeline-drill`, the collector outage drill
- drills/sampling.py: `ecsotel sampling-drill`, tail against head sampling under faults
- sampling_report.py: the two sampling sections of docs/performance.md
- soak.py: `ecsotel soak`; renders.py: `ecsotel soak-renders`
- fuzz.py: `ecsotel fuzz` (and the e2e fuzz tests); bundle.py: `ecsotel bundle-size`
- slo/: `ecsotel slo` (the SLIs, budget and alerts of infra/slo.yaml from the local
  stack's EMF documents), `ecsotel slo-drill` (the outage drills with scaled windows)
  and `ecsotel canary` (the synthetic check's script against the stack; its zip)
"""
