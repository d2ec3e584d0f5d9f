"""The backend's benchmark requests, as wrk Lua ``request`` functions."""

from devkit.wrk import Scenario

SEED_TODOS = 100

SCENARIOS = (
    Scenario(
        "get by id",
        f'return wrk.format("GET", "/api/todos/" .. math.random(1, {SEED_TODOS}))',
    ),
    Scenario("list (100)", 'return wrk.format("GET", "/api/todos/")'),
    Scenario(
        "create",
        'return wrk.format("POST", "/api/todos/", '
        '{["Content-Type"] = "application/json"}, \'{"title": "bench"}\')',
    ),
)
