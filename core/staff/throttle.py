"""Sign-in throttling: every attempt reserved before bcrypt runs, by email and address.

The one writer of login_throttle. Each attempt is counted when it is
reserved, in the transaction that checks whether it may run at all, so
parallel guesses cannot all reach bcrypt; a success wipes the count.

- Per email and client address: 3 attempts free, then each waits twice as
  long as the last (2 s, 4 s, ...), and after 10 that address is locked out
  of that account for 15 minutes. A stranger's guesses slow the stranger.
- Per email, whatever the address (the row with address ""): one password
  check at a time, and a ceiling of 30 attempts, after which the account is
  locked for everyone for 15 minutes. That stops a guesser with many
  addresses, at the price that such an attack locks the account.
- Counts start again after 15 minutes without an attempt.

Unknown emails are throttled exactly like known ones, so the answers do not
tell which emails have a login.

Password-reset requests (core.staff.password_reset) are counted here too,
per client address, in rows whose email is RESET_REQUESTS: failures counts
the requests of the window that ends at wait_until.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.clock import from_db, to_db
from core.models import LoginThrottle
from core.storage.db import is_sqlite

FREE_ATTEMPTS = 3  # per email and address, before each attempt must wait
LOCK_AFTER = 10  # per email and address, before that address is locked out
ACCOUNT_CEILING = 30  # per email from all addresses, before the account locks
LOCK_FOR = dt.timedelta(minutes=15)
CHECK_LEASE = dt.timedelta(seconds=10)  # longer than bcrypt ever takes
ACCOUNT = ""  # the address of the row that counts for the email as a whole
BUSY = dt.timedelta(seconds=1)  # how long to wait when another check runs
FORGET_AFTER = dt.timedelta(days=1)  # rows idle this long are deleted
RESET_REQUESTS = "#password-reset"  # not an email: no login can be named so


@dataclass(frozen=True)
class Reservation:
    """May this attempt check its password now; if not, how long to wait."""

    allowed: bool
    wait: dt.timedelta = dt.timedelta(0)
    locked: str = ""  # "address" or "account" when this attempt locked one out


def _penalty(failures: int) -> dt.timedelta | None:
    """How long the next attempt from one address waits after this many."""
    if failures >= LOCK_AFTER:
        return LOCK_FOR
    if failures > FREE_ATTEMPTS:
        return dt.timedelta(seconds=2 ** (failures - FREE_ATTEMPTS))
    return None


def _row(email: str, address: str, now: dt.datetime) -> LoginThrottle:
    """The row, created if new and locked against other transactions."""
    LoginThrottle.insert(
        email=email, address=address, failures=0, last_attempt_at=to_db(now)
    ).on_conflict_ignore().execute()
    query = LoginThrottle.select().where(
        LoginThrottle.email == email, LoginThrottle.address == address
    )
    if not is_sqlite():  # on SQLite, BEGIN IMMEDIATE already serialises this
        query = query.for_update()
    row = query.get()
    if now - from_db(row.last_attempt_at) > LOCK_FOR:
        row.failures, row.wait_until, row.checking_until = 0, None, None
    return row


def _until(value: dt.datetime | None, now: dt.datetime) -> dt.timedelta:
    """How long from now until value (zero when past or unset)."""
    if value is None:
        return dt.timedelta(0)
    return max(dt.timedelta(0), from_db(value) - now)


def _write(row: LoginThrottle, now: dt.datetime) -> None:
    LoginThrottle.update(
        failures=row.failures,
        wait_until=row.wait_until,
        checking_until=row.checking_until,
        last_attempt_at=to_db(now),
    ).where(LoginThrottle.id == row.id).execute()


def reserve(email: str, address: str, now: dt.datetime) -> Reservation:
    """Count one attempt and say whether its password may be checked now.

    Runs inside the caller's write transaction. An attempt that must wait
    is refused without being counted; an attempt that finds another check
    running is counted and refused, so a burst is throttled like a series.
    """
    LoginThrottle.delete().where(
        LoginThrottle.last_attempt_at < to_db(now - FORGET_AFTER)
    ).execute()  # indexed: a spray of made-up emails cannot grow the table for ever
    account = _row(email, ACCOUNT, now)
    source = _row(email, address, now)
    wait = max(_until(account.wait_until, now), _until(source.wait_until, now))
    if wait:
        return Reservation(False, wait)
    source.failures += 1
    account.failures += 1
    penalty = _penalty(source.failures)
    source.wait_until = to_db(now + penalty) if penalty else None
    locked = "address" if source.failures == LOCK_AFTER else ""
    if account.failures >= ACCOUNT_CEILING:
        account.wait_until = to_db(now + LOCK_FOR)
        locked = "account" if account.failures == ACCOUNT_CEILING else locked
    busy = _until(account.checking_until, now)
    if not busy:
        account.checking_until = to_db(now + CHECK_LEASE)
    _write(source, now)
    _write(account, now)
    if busy:
        return Reservation(False, min(busy, BUSY), locked)
    return Reservation(True, locked=locked)


def count_reset_request(
    address: str, now: dt.datetime, limit: int, window: dt.timedelta
) -> bool:
    """Count one password-reset request from address; False when over limit.

    Runs inside the caller's write transaction; every request counts, for a
    known login or not, so the limit tells nothing either.
    """
    LoginThrottle.delete().where(
        LoginThrottle.last_attempt_at < to_db(now - FORGET_AFTER)
    ).execute()
    LoginThrottle.insert(
        email=RESET_REQUESTS, address=address, failures=0, last_attempt_at=to_db(now)
    ).on_conflict_ignore().execute()
    query = LoginThrottle.select().where(
        LoginThrottle.email == RESET_REQUESTS, LoginThrottle.address == address
    )
    row = (query if is_sqlite() else query.for_update()).get()
    if row.wait_until is None or from_db(row.wait_until) <= now:
        row.failures, row.wait_until = 0, to_db(now + window)  # a new window
    row.failures += 1
    _write(row, now)
    return row.failures <= limit


def succeeded(email: str, address: str) -> None:
    """The password was right: forget this address's and the account's count."""
    LoginThrottle.delete().where(
        LoginThrottle.email == email, LoginThrottle.address.in_((ACCOUNT, address))
    ).execute()


def failed(email: str) -> None:
    """The password was wrong: the failure is already counted; free the check."""
    LoginThrottle.update(checking_until=None).where(
        LoginThrottle.email == email, LoginThrottle.address == ACCOUNT
    ).execute()


def unlock(email: str) -> None:
    """An admin reset the password or reactivated the login: start afresh."""
    LoginThrottle.delete().where(LoginThrottle.email == email).execute()


def lockouts(emails: list[str], now: dt.datetime, tz: dt.tzinfo) -> dict[str, dict]:
    """The emails locked out now (an address or the whole account), and by whom."""
    if not emails:
        return {}
    rows = LoginThrottle.select().where(
        LoginThrottle.email.in_(emails),
        LoginThrottle.wait_until > to_db(now),
        LoginThrottle.failures >= LOCK_AFTER,
    )
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(
            row.email, {"account": False, "addresses": [], "until": now}
        )
        if row.address == ACCOUNT:
            entry["account"] = row.failures >= ACCOUNT_CEILING
        else:
            entry["addresses"].append(row.address)
        entry["until"] = max(entry["until"], from_db(row.wait_until))
    for entry in found.values():
        entry["until"] = entry["until"].astimezone(tz)
    return found
