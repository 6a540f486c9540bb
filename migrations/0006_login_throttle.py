"""Sign-in throttling in its own table, by email and client address.

staff_user.failed_logins and locked_until counted failures per account
only, after bcrypt had run, so parallel guesses were all checked and a
stranger could lock anyone out. login_throttle reserves each attempt
before the check, per (email, address) and per email ("" address).
Frozen copy of the model as it was at this migration (see 0001).
"""

from peewee import CharField, DateTimeField, IntegerField, Model


def up(migrator, db):
    class LoginThrottle(Model):
        email = CharField()
        address = CharField()
        failures = IntegerField(default=0)
        wait_until = DateTimeField(null=True)
        checking_until = DateTimeField(null=True)
        last_attempt_at = DateTimeField(index=True)

        class Meta:
            database = db
            legacy_table_names = False
            indexes = ((("email", "address"), True),)

    db.create_tables([LoginThrottle])
    migrator.drop_column("staff_user", "failed_logins").run()
    migrator.drop_column("staff_user", "locked_until").run()
