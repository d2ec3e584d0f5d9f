"""Many todos at once, straight into the stack's database: a benchmark's 10,000 rows in a second.

Each call is one statement over the cluster's socket, an INSERT ... SELECT
generate_series, so the rows differ only by number and share the transaction's
created_at (the list then orders them by id, as it does any tie).
"""

from ecsotel.local.stack import Stack

PREFIX = "Seeded todo number"


def app_psql(stack: Stack, sql: str) -> str:
    """Run one statement in the application's database (as the superuser); its output."""
    return stack.database.cluster.psql(sql, database=stack.database.database)


def seed(stack: Stack, count: int, *, start: int = 1) -> None:
    """Insert `count` todos numbered from `start`; every third one is done."""
    if count <= 0:
        return
    last = int(start) + int(count) - 1
    # Only ints and a constant are formatted in: no user text reaches the statement.
    sql = f"INSERT INTO todo (title, completed) SELECT '{PREFIX} ' || n, n % 3 = 0 FROM generate_series({int(start)}, {last}) n"  # noqa: S608, E501
    app_psql(stack, sql)


def remove_seeded(stack: Stack) -> None:
    """Delete every todo `seed` made (and only those)."""
    app_psql(stack, f"DELETE FROM todo WHERE title LIKE '{PREFIX} %'")  # noqa: S608 - a constant


def newest_id(stack: Stack) -> int:
    """The highest todo id in the database (0 when it holds none)."""
    return int(app_psql(stack, "SELECT coalesce(max(id), 0) FROM todo").strip())


def remove_newer(stack: Stack, than: int) -> None:
    """Delete every todo created after the one with id `than` (ids only grow)."""
    app_psql(stack, f"DELETE FROM todo WHERE id > {int(than)}")  # noqa: S608 - an int


def count(stack: Stack) -> int:
    """How many todos the database holds."""
    return int(app_psql(stack, "SELECT count(*) FROM todo").strip())


def keep_first(stack: Stack, count: int) -> None:
    """Delete every todo but the `count` oldest (the list's order)."""
    # Only an int is formatted in.
    oldest = f"SELECT id FROM todo ORDER BY created_at, id LIMIT {int(count)}"  # noqa: S608
    app_psql(stack, f"DELETE FROM todo WHERE id NOT IN ({oldest})")  # noqa: S608
