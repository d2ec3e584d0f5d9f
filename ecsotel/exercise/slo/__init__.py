"""Service level objectives locally: `ecsotel slo`, the SLO drill and the synthetic check.

- definitions.py: infra/slo.yaml (the one definition, which Terraform reads too) as values
- sli.py: the SLIs from nextjs-app's EMF documents, with the alarms' arithmetic
- alerts.py: every burn-rate alert's state at a moment (both windows, as the composites)
- report.py: `ecsotel slo`'s lines
- drill.py: `ecsotel slo-drill`, the outage drills under traffic with scaled windows
- canary.py: `ecsotel canary`, the synthetic check's script against the local stack, and its zip
"""
