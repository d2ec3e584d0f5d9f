"""Fault drills: steady load through the frontend while one part of the stack fails."""
