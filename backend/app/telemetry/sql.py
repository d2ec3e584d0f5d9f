"""One CLIENT span per SQL statement, from a traced psycopg2 cursor on each checked-out connection.

Why not opentelemetry-instrumentation-sqlalchemy: a ``SELECT`` of one row cost
321,000-347,000 more instructions with it under a recording span, 187,000-211,000 with
this cursor (two runs: the export thread's share varies); unsampled (a request's
checkout, transaction and statement under ``suppress_instrumentation``) 172,000-174,000
more with it, 11,000 with this (callgrind; reproduce, in backend/:
``valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python -m
bench.pieces --callgrind``). Per statement the contrib parses the engine URL, asks
libpq for the database name, strips comments with a regular expression, enters and
leaves the span's context and sets each attribute under the span's lock; and it
listens to SQLAlchemy's connection events, which is where the unsampled cost comes
from.
Why not SQLAlchemy's cursor events either (this module's first version): any
connection-event listener, even one that does nothing, makes every ``Connection``
join the engine's event dispatcher and fire its begin, commit and execute events:
150,000 instructions (+38 %) per checkout, transaction and statement, sampled or not,
which was most of what an unsampled request cost (the same command). A cursor class
costs an unsampled statement one method call.
Cost to keep: this module, 134 lines; on psycopg2 upgrades re-check that
``cursor_factory`` is still honoured by ``connection.cursor()``, on SQLAlchemy
upgrades that the pool still pings before its ``checkout`` event, and on upgrades of
the contrib or the awsxray exporter that the attributes are still the ones the
segment's ``sql`` block reads (tests/telemetry/test_sql.py pins all three).
Delete when: the contrib's cost per statement, sampled and unsampled, comes within the
noise of this one's (``bench.pieces`` prints both), or ``make bench``'s stock mode is
within the budget.

The spans are the contrib's: named ``"<OPERATION> <database>"``, with the attributes
the awsxray exporter reads into the segment's ``sql`` block (old semantic
conventions, as the contrib sets them by default). The pool's own pre-ping runs
before the connection is checked out, so it is never a span. Under an unsampled
request (or ``suppress_instrumentation``) a statement is executed at once: nothing
is built that would be dropped.
"""

from typing import Any

from opentelemetry import trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, StatusCode
from psycopg2.extensions import connection as Psycopg2Connection
from psycopg2.extensions import cursor as Psycopg2Cursor
from sqlalchemy import Engine, event
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection


def instrument_engine(engine: Engine, tracer: trace.Tracer) -> None:
    """Make every statement the engine runs a CLIENT span under the current one.

    The engine must use psycopg2 (``app.core.db`` pins it).
    """
    traced = type("TracedCursor", (_TracedCursor,), {"tracer": tracer})

    # Pool events, not connection events: they cost a checkout two calls, and the
    # pool's pre-ping (which runs before "checkout") keeps the plain cursor.
    def checkout(
        dbapi_connection: Psycopg2Connection,
        _record: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        dbapi_connection.cursor_factory = traced

    def checkin(dbapi_connection: Psycopg2Connection | None, _record: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None:
            dbapi_connection.cursor_factory = Psycopg2Cursor

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)


class _TracedCursor(Psycopg2Cursor):
    """A psycopg2 cursor whose statements are CLIENT spans while instrumentation is on."""

    tracer: trace.Tracer

    def execute(self, query: Any, vars: Any = None) -> None:
        """Run one statement, as a span unless instrumentation is suppressed."""
        if not is_instrumentation_enabled():
            return super().execute(query, vars)
        with self._span(query):
            return super().execute(query, vars)

    def executemany(self, query: Any, vars_list: Any) -> None:
        """Run one statement for each set of parameters, as one span."""
        if not is_instrumentation_enabled():
            return super().executemany(query, vars_list)
        with self._span(query):
            return super().executemany(query, vars_list)

    def _span(self, query: Any) -> "_StatementSpan":
        statement = query.decode() if isinstance(query, bytes) else str(query)
        attributes = _connection_attributes(self.connection)
        operation = statement.split(None, 1)[0] if statement else "postgresql"
        database = attributes.get("db.name")
        span = self.tracer.start_span(
            f"{operation} {database}" if database else operation,
            kind=SpanKind.CLIENT,
            attributes={**attributes, "db.statement": statement},
        )
        return _StatementSpan(span)


class _StatementSpan:
    """Ends the statement's span; a failed statement's is an error named by its type only."""

    def __init__(self, span: trace.Span) -> None:
        self.span = span

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            # The type only: database messages can quote the rows' values.
            self.span.set_status(StatusCode.ERROR, kind.__name__)
        self.span.end()


def _connection_attributes(connection: Psycopg2Connection) -> dict[str, Any]:
    # The connection as libpq made it (ConnectionInfo), read per statement: the URL
    # may lack the user, which a secret fills in per connection and rotation changes.
    info = connection.info
    attributes: dict[str, Any] = {"db.system": "postgresql"}
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
