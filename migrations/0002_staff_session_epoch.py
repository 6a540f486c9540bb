"""StaffUser.session_epoch: bumped on logout so a copied session cookie dies too."""

from peewee import IntegerField


def up(migrator, db):
    migrator.add_column("staff_user", "session_epoch", IntegerField(default=0)).run()
