"""One CLIENT span per SQL statement, from the engine's own cursor events.

Why not opentelemetry-instrumentation-sqlalchemy: a ``SELECT 1`` under a recording
span cost 93-104 us more CPU with it, 61-77 us more with this hook (same process,
alternating rounds, three runs; reproduce: ``backend/.venv/bin/python -m bench.pieces``).
Per statement the contrib parses the engine URL, asks libpq for the database name,
strips comments with a regular expression, enters and leaves the span's context and
sets each attribute under the span's lock; this hook reads the connection's
attributes once per pooled connection and starts the span with all of them.
Cost to keep: this module, 110 lines; on SQLAlchemy upgrades re-check the cursor
events' signatures, and on upgrades of the contrib or the awsxray exporter that the
attributes are still the ones the segment's ``sql`` block reads
(tests/telemetry/test_sql.py pins them).
Delete when: the contrib's cost per statement comes within the noise of this hook's
(``bench.pieces`` prints both), or ``make bench``'s stock mode is within the budget.

The spans are the contrib's: named ``"<OPERATION> <database>"``, with the attributes
the awsxray exporter reads into the segment's ``sql`` block (old semantic
conventions, as the contrib sets them by default). Under an unsampled request (or
``suppress_instrumentation``) the hook returns at once: nothing is built that would
be dropped.
"""

from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext

# Where a pooled connection keeps its span attributes (Connection.info lives as
# long as the DBAPI connection): the user can change when the secret rotates.
_ATTRIBUTES_KEY = "otel_sql_span_attributes"
# Where an execution keeps its span between the before and after events.
_SPAN_KEY = "_otel_sql_span"


def instrument_engine(engine: Engine, tracer: trace.Tracer) -> None:
    """Make every statement the engine runs a CLIENT span under the current one."""
    database_system = engine.dialect.name

    def start(
        conn: Connection,
        cursor: DBAPICursor,
        statement: str,
        _parameters: Any,
        execution: ExecutionContext,
        _executemany: bool,
    ) -> None:
        if not is_instrumentation_enabled():
            return
        attributes = conn.info.get(_ATTRIBUTES_KEY)
        if attributes is None:
            attributes = conn.info[_ATTRIBUTES_KEY] = _connection_attributes(
                database_system, cursor
            )
        operation = statement.split(None, 1)[0] if statement else database_system
        database = attributes.get("db.name")
        span = tracer.start_span(
            f"{operation} {database}" if database else operation,
            kind=SpanKind.CLIENT,
            attributes={**attributes, "db.statement": statement},
        )
        setattr(execution, _SPAN_KEY, span)

    def end(
        _conn: Connection,
        _cursor: DBAPICursor,
        _statement: str,
        _parameters: Any,
        execution: ExecutionContext,
        _executemany: bool,
    ) -> None:
        span = getattr(execution, _SPAN_KEY, None)
        if span is not None:
            setattr(execution, _SPAN_KEY, None)
            span.end()

    def failed(error: ExceptionContext) -> None:
        # None also when the statement ran and an error came after (fetching, commit).
        span = getattr(error.execution_context, _SPAN_KEY, None)
        if span is None:
            return
        setattr(error.execution_context, _SPAN_KEY, None)
        # The type only: database messages can quote the rows' values.
        span.set_status(StatusCode.ERROR, type(error.original_exception).__name__)
        span.end()

    event.listen(engine, "before_cursor_execute", start)
    event.listen(engine, "after_cursor_execute", end)
    event.listen(engine, "handle_error", failed)


def _connection_attributes(database_system: str, cursor: DBAPICursor) -> dict[str, Any]:
    # psycopg2 describes the connection as libpq made it (ConnectionInfo); the URL
    # may lack the user, which a secret fills in per connection.
    info = getattr(getattr(cursor, "connection", None), "info", None)
    attributes: dict[str, Any] = {"db.system": database_system}
    for attribute, field in (
        ("db.name", "dbname"),
        ("db.user", "user"),
        ("net.peer.name", "host"),
        ("net.peer.port", "port"),
    ):
        value = getattr(info, field, None)
        if value:
            attributes[attribute] = value
    return attributes
