"""A covering index for the console's stats: one index-only scan per range."""


def up(migrator, db):
    migrator.add_index(
        "appointment",
        (
            "doctor_id",
            "start",
            "status",
            "visit_type_id",
            "needs_confirmation",
            "cancelled_by",
            "confirmed_at",
        ),
        False,
    ).run()
