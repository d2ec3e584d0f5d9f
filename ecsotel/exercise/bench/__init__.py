"""`ecsotel bench`: telemetry's cost in every tier against its budget, into docs/performance.md."""
