"""Staff logins: passwords hashed and checked; bad input refused clearly."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.models import StaffUser
from core.staff.accounts import check_password, create_staff


def test_create_staff_hashes_and_checks(sqlite_database):
    user = create_staff(
        " Admin@Clinic.Example ", "correct horse battery", "admin", rounds=4
    )
    assert user.email == "admin@clinic.example"
    assert user.password_hash.startswith("$2")
    assert check_password("correct horse battery", user.password_hash)
    assert not check_password("wrong", user.password_hash)
    assert not check_password("x", "not-a-hash")


@pytest.mark.parametrize(
    "email,password,role,message",
    [
        ("nobody", "long enough pw", "staff", "not an email"),
        ("a@b.example", "short", "staff", "at least"),
        ("a@b.example", "long enough pw", "root", "Role must be"),
        ("a@b.example", "long enough pw", "doctor", "linked to an existing doctor"),
        ("a@b.example", "é" * 40, "staff", "72 bytes"),
    ],
)
def test_create_staff_refuses_bad_input(
    sqlite_database, email, password, role, message
):
    with pytest.raises(InvalidInput, match=message):
        create_staff(email, password, role, rounds=4)
    assert StaffUser.select().count() == 0


def test_duplicate_login_is_refused(sqlite_database):
    create_staff("a@b.example", "long enough pw", "staff", rounds=4)
    with pytest.raises(InvalidInput, match="already has a login"):
        create_staff("A@B.example", "long enough pw", "staff", rounds=4)
