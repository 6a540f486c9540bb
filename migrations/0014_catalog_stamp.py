"""clinic_policy.catalog_stamp: moves whenever a doctor, department or visit type does.

Every dialog turn reads the policy row; the names patients may use (doctors,
departments, visit types: core.dialog.catalog) were three more queries on
half the turns. With this stamp in the policy row a process keeps the
catalog it read and reads again only when the stamp moves.

Database triggers move it, not Python code, so that no write is missed: the
console, the API, a factory in a test, or SQL typed by hand. A new random
value rather than a counter, because a counter restarts at the same number
in a recreated database and a process would keep the other database's names.
Frozen field definition (see 0001).
"""

from peewee import BigIntegerField, SqliteDatabase

TABLES = ("doctor", "department", "visit_type")
SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")
SQLITE_STAMP = "random()"
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION clinicbot_new_catalog_stamp() RETURNS trigger AS $$
BEGIN
  UPDATE clinic_policy
     SET catalog_stamp = floor(random() * 9007199254740991)::bigint + 1;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def up(migrator, db):
    migrator.add_column(
        "clinic_policy", "catalog_stamp", BigIntegerField(default=0)
    ).run()
    if isinstance(db, SqliteDatabase):
        db.execute_sql(f"UPDATE clinic_policy SET catalog_stamp = {SQLITE_STAMP}")
        for table in TABLES:
            for event in SQLITE_EVENTS:
                db.execute_sql(
                    f"CREATE TRIGGER {table}_{event.lower()}_catalog_stamp"
                    f" AFTER {event} ON {table} BEGIN UPDATE clinic_policy"
                    f" SET catalog_stamp = {SQLITE_STAMP}; END"
                )
        return
    db.execute_sql(POSTGRES_FUNCTION)
    db.execute_sql(
        "UPDATE clinic_policy"
        " SET catalog_stamp = floor(random() * 9007199254740991)::bigint + 1"
    )
    for table in TABLES:
        db.execute_sql(
            f"CREATE TRIGGER {table}_catalog_stamp"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION clinicbot_new_catalog_stamp()"
        )
