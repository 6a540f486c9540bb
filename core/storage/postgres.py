"""PostgreSQL with BEGIN sent together with a transaction's first statement.

peewee runs psycopg2 in autocommit mode and opens a transaction with a
`BEGIN` of its own, a round trip in itself. A dialog turn is about seven
round trips (the policy, the chat, its messages, the commit), so that one was
a seventh of a turn's waiting on a server 0.3-0.5 ms away. Here `begin()`
only notes the BEGIN, and the transaction's first statement carries it
(`BEGIN; SELECT ...` in one simple query, whose result psycopg2 reports as
the last statement's). A transaction that runs nothing sends nothing.
Code that takes a raw cursor (executemany, execute_batch) gets the BEGIN sent
on it first, so nothing ever runs outside the transaction it belongs to.
"""

from __future__ import annotations

from peewee import PostgresqlDatabase


class LazyBeginPostgresqlDatabase(PostgresqlDatabase):
    def begin(self, isolation_level=None):
        # Connect now, as a sent BEGIN would: connecting later, inside the
        # transaction, would reset peewee's record of it.
        if self.is_closed():
            self.connect()
        level = isolation_level or self._isolation_level
        self._state.pending_begin = (
            "BEGIN TRANSACTION ISOLATION LEVEL "
            + self._adapter.isolation_level_str(level)
            if level
            else "BEGIN"
        )

    def _take_begin(self) -> str | None:
        pending = getattr(self._state, "pending_begin", None)
        self._state.pending_begin = None
        return pending

    def execute_sql(self, sql, params=None):
        pending = self._take_begin()
        if pending:
            sql = f"{pending}; {sql}"
        return super().execute_sql(sql, params)

    def cursor(self, named_cursor=None):
        cursor = super().cursor(named_cursor)
        pending = self._take_begin()
        if pending:
            cursor.execute(pending)
        return cursor

    def commit(self):
        if self._take_begin() is None:  # else nothing ran: nothing to commit
            super().commit()

    def rollback(self):
        if self._take_begin() is None:
            super().rollback()

    def _close(self, conn):
        self._state.pending_begin = None
        super()._close(conn)
