"""Fault drills under traffic (`ecsotel drills`); the collector outage drill (`pipeline-drill`)."""
