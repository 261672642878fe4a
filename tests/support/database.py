"""The test databases, and each test's transaction rolled back at its end.

Each xdist worker migrates three databases of the backend under test (TRACKER_TEST_DB=sqlite, the default, or
postgresql on TEST_POSTGRES_URL) once: one empty, one holding the bundled reference data (``reference_data``), one
the small reference data (``small_reference``).
A test runs on one connection to one of them, inside a transaction and a savepoint that are rolled back when it
ends (SQLAlchemy's "join a session into an external transaction"): every session the test or the app opens on
that connection only creates and releases a savepoint, so ``commit()`` in app code never reaches the database.

Tests that need real commits (another process, another thread, a second connection, the CLI, migrations, backup)
are marked ``@pytest.mark.commits``: they get the empty database through a real engine, load the reference data
for real if they ask for it, and the database is emptied after them (``empty_database``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

import tracker.models  # noqa: F401  (every table is defined before the metadata is read)
from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tracker import migrate
from tracker.audit.services import Actor
from tracker.db import TrackerSession, make_engine
from tracker.loading import load_file
from tracker.settings import RECOMMENDATIONS_DIR

BACKEND = os.environ.get("TRACKER_TEST_DB", "sqlite")
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ORGANISATIONS_FILE = RECOMMENDATIONS_DIR / "organisations.yaml"
STALKING_FILE = RECOMMENDATIONS_DIR / "stalking-2024.yaml"
COMMITS = "commits"
# The data a rolled-back test can find already loaded, by the fixture a test asks for it with, and the
# session-scoped engine of the database holding it.
_PREPARED = {
    "demo_data": "demo_engine",
    "role_matrix_data": "role_matrix_engine",  # tests/security/test_route_role_matrix.py
    "reference_data": "reference_engine",
    "small_reference": "small_engine",
}
# Those that hold the small reference data (a test asking for it there finds it loaded).
_HOLDING_SMALL = frozenset({"small_reference", "role_matrix_data"})
# Which of them the test's ``engine`` chose (a fixture asked for later, through getfixturevalue, was not seen).
PREPARED = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "reaches_database: the test makes or reaches a database of the backend under test without the database "
        "fixtures (so the PostgreSQL leg runs it too)",
    )
    config.addinivalue_line(
        "markers",
        f"{COMMITS}: the test commits for real (other processes, threads or connections see its data); it runs on "
        "the empty database through a real engine and the database is emptied after it",
    )


def pytest_report_header() -> str:
    return f"tracker test database: {BACKEND}"


def commits(request: pytest.FixtureRequest) -> bool:
    """Whether this test is in the real-commits group."""
    return request.node.get_closest_marker(COMMITS) is not None


def _postgres_admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", pool_pre_ping=True)


@contextmanager
def new_database(prefix: str, tmp_dir: Path, *, copy_of: str | None = None) -> Iterator[str]:
    """An empty database of the backend under test: an SQLite file, or a PostgreSQL database dropped after.

    ``copy_of`` (the URL of a database nobody is connected to) makes it a copy of that one instead: copying a
    built database takes a fraction of a second where building it again (the demo data) takes many seconds.
    """
    if BACKEND == "sqlite":
        path = tmp_dir / (prefix + ".db")
        if copy_of:
            source, target = sqlite3.connect(sa.make_url(copy_of).database), sqlite3.connect(path)
            with closing(source), closing(target):
                source.backup(target)  # consistent even with a WAL journal, unlike copying the file
        yield f"sqlite:///{path}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"TRACKER_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    name = f"tracker_{prefix}_{uuid.uuid4().hex[:10]}"
    template = f' TEMPLATE "{sa.make_url(copy_of).database}"' if copy_of else ""
    admin = _postgres_admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{template}')
    try:
        yield sa.make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def empty_database(engine: sa.Engine | sa.Connection) -> None:
    """Delete every row of every tracker table (the schema stays)."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())


def load_reference(session: Session) -> None:
    """The bundled organisations and the stalking recommendations, loaded as `tracker setup` does."""
    for path in (ORGANISATIONS_FILE, STALKING_FILE):
        load_file(session, path, Actor("test setup"))


class SharedConnection(sa.Connection):
    """A connection standing in for the engine during one test.

    ``Session(it)`` joins its transaction through a savepoint (``join_transaction_mode="conditional_savepoint"``,
    SQLAlchemy's default, does so because a savepoint is open). App code that borrows a connection from the engine
    (``with engine.connect() as conn: ...; conn.commit()``: ``tracker.web.templating.is_demo_site``, the health
    check) gets this one inside a savepoint of its own, and its commit or rollback ends only that savepoint.
    """

    @contextmanager
    def _lent(self) -> Iterator[SharedConnection]:
        depth = self._depth()
        self.begin_nested()
        try:
            yield self
        except BaseException:
            while self._depth() > depth:
                self.get_nested_transaction().rollback()  # type: ignore[union-attr]
            raise
        while self._depth() > depth:
            self.get_nested_transaction().commit()  # type: ignore[union-attr]

    def _depth(self) -> int:
        depth, nested = 0, self.get_nested_transaction()
        while nested is not None:
            depth, nested = depth + 1, nested._previous_nested  # type: ignore[attr-defined]
        return depth

    def connect(self) -> Any:  # type: ignore[override]
        return self._lent()

    def begin(self) -> Any:  # type: ignore[override]
        return self._lent() if self.in_transaction() else super().begin()

    def commit(self) -> None:
        """End the innermost savepoint and open the next, as a commit ends one transaction and the next begins."""
        self.get_nested_transaction().commit()  # type: ignore[union-attr]
        self.begin_nested()

    def rollback(self) -> None:
        self.get_nested_transaction().rollback()  # type: ignore[union-attr]
        self.begin_nested()

    @property
    def url(self) -> sa.URL:
        return self.engine.url

    def dispose(self) -> None:
        """The engine's pool stays: the test's fixture closes this connection."""


@contextmanager
def rolled_back(engine: sa.Engine) -> Iterator[SharedConnection]:
    """One connection of ``engine`` in a transaction and a savepoint, all rolled back at the end."""
    # Engine events (count_queries' listener) reach a connection only if the engine had one when it connected.
    engine._connection_cls = SharedConnection  # type: ignore[misc]
    try:
        connection = engine.connect()
    finally:
        engine._connection_cls = sa.Connection  # type: ignore[misc]
    assert isinstance(connection, SharedConnection)
    transaction = connection.begin()
    connection.begin_nested()
    try:
        yield connection
    finally:
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This worker's empty, migrated database (tests roll back; the ``commits`` group empties it after them)."""
    with new_database("test", tmp_path_factory.mktemp("db")) as url:
        migrate.upgrade(url)
        yield url


def _with_events(engine: sa.Engine) -> sa.Engine:
    # A connection looks for engine events only if the engine had a listener when the connection was made
    # (PostgreSQL's engine has none of its own): one no-op listener lets count_queries listen later.
    sa.event.listen(engine, "before_cursor_execute", lambda *args: None)
    return engine


@pytest.fixture(scope="session")
def worker_engine(database_url: str) -> Iterator[sa.Engine]:
    """The real engine of this worker's empty database."""
    engine = _with_events(make_engine(database_url))
    yield engine
    engine.dispose()


@contextmanager
def loaded_engine(prefix: str, tmp_dir: Path, load: Callable[[Session], None]) -> Iterator[sa.Engine]:
    """An engine on a database of this worker's own, migrated and holding what ``load`` loads, committed once."""
    with new_database(prefix, tmp_dir) as url:
        migrate.upgrade(url)
        engine = _with_events(make_engine(url))
        with TrackerSession(engine, expire_on_commit=False) as session:
            load(session)
            session.commit()
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def reference_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A second database for this worker, holding the bundled reference data, loaded and committed once."""
    with loaded_engine("reference", tmp_path_factory.mktemp("reference"), load_reference) as engine:
        yield engine


@pytest.fixture(scope="session")
def small_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A third database for this worker, holding the small reference data (``small_reference``), loaded once."""
    tmp = tmp_path_factory.mktemp("small")
    with loaded_engine("small", tmp, lambda session: load_small_reference(session, tmp)) as engine:
        yield engine


def prepared_data(request: pytest.FixtureRequest) -> str | None:
    """The data a rolled-back test finds already loaded, by the fixture that asks for it (the largest wins):
    "demo_data", "reference_data", "small_reference", or None (the empty database)."""
    if commits(request):
        return None
    return next((name for name in _PREPARED if name in request.fixturenames), None)


@pytest.fixture
def engine(request: pytest.FixtureRequest, worker_engine: sa.Engine) -> Iterator[sa.Engine]:
    """What the test and its app use as the engine: the test's rolled-back connection, or in the ``commits``
    group the real engine (emptied afterwards)."""
    if commits(request):
        yield worker_engine
        empty_database(worker_engine)
        return
    # The reference data (or the demo data) is already in a database of its own: a test asking for it runs there.
    prepared = request.node.stash[PREPARED] = prepared_data(request)
    wanted = request.getfixturevalue(_PREPARED[prepared]) if prepared else worker_engine
    with rolled_back(wanted) as connection:
        yield connection  # type: ignore[misc]


class TestSession(TrackerSession):
    """The test's own session on its rolled-back connection.

    Tests call ``session.rollback()`` after a request to end their read and see what the app committed. Here the
    app's writes are released into the savepoint the test's session holds, so a real rollback would undo them:
    a rollback of a transaction that wrote nothing releases it instead, and forgets loaded state as a rollback does.
    """

    _wrote = False

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        self._wrote = self._wrote or bool(self.new or self.dirty or self.deleted)
        super().flush(objects)

    def commit(self) -> None:
        super().commit()
        self._wrote = False

    def rollback(self) -> None:
        if self._wrote or self.new or self.dirty or self.deleted:
            super().rollback()
        else:
            super().commit()
            self.expire_all()
        self._wrote = False


@pytest.fixture
def session(request: pytest.FixtureRequest, engine: sa.Engine) -> Iterator[Session]:
    with (TrackerSession if commits(request) else TestSession)(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def reference_data(request: pytest.FixtureRequest, session: Session) -> None:
    """The bundled organisations and the stalking recommendations, loaded as `tracker setup` does (already there
    for a rolled-back test: it runs on the worker's reference database)."""
    if commits(request):
        load_reference(session)


def load_small_reference(session: Session, tmp_dir: Path) -> None:
    load_file(session, write(tmp_dir, "orgs.yaml", SMALL_ORGANISATIONS), Actor("test setup"))
    load_file(session, write(tmp_dir, "set.yaml", SMALL_SET), Actor("test setup"))


@pytest.fixture
def small_reference(request: pytest.FixtureRequest, session: Session, tmp_path: Path) -> None:
    """A few organisations and a three-recommendation set (tests/support/factories.py): already there for a
    rolled-back test that asks for nothing larger (it runs on the worker's ``small_engine``)."""
    if request.node.stash.get(PREPARED, None) not in _HOLDING_SMALL:
        load_small_reference(session, tmp_path)


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of the backend under test, dropped afterwards."""
    with new_database("scratch", tmp_path) as url:
        yield url


@pytest.fixture
def count_queries(engine: sa.Engine):
    """count_queries(fn) -> (result, number of SQL statements fn ran on the test engine)."""

    def run(fn):
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            result = fn()
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)
        return result, len(statements)

    return run


@contextlib.contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs (transaction control left out), in a list filled as it runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)


def queries_of(client, path: str) -> int:
    with statements_sent() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


# The fixtures through which a test reaches a database of the backend under test (every other database fixture
# depends on one of them).
DATABASE_FIXTURES = frozenset(
    {"database_url", "reference_engine", "small_engine", "demo_databases", "live_database_url", "scratch_database_url"}
)


REACHES_DATABASE = "reaches_database"


def reaches_a_database(item: pytest.Item) -> bool:
    """Whether the test reaches a database of the backend under test: through a fixture, or by saying so (a test
    that makes its own with ``new_database`` or talks to the PostgreSQL server itself is marked)."""
    marked = item.get_closest_marker(REACHES_DATABASE) is not None
    return marked or not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL leg, a test that reaches no database cannot behave differently from the SQLite leg, which
    ran it: it is deselected (TRACKER_ALL_TESTS=1 keeps it)."""
    if BACKEND != "postgresql" or os.environ.get("TRACKER_ALL_TESTS"):
        return
    kept = [item for item in items if reaches_a_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not reaches_a_database(item)])
        items[:] = kept
