"""Scheduler jobs: synchronous core code, each safe to run twice at once.

Every job re-reads what it acts on inside the transaction that acts, and
claims its work with a unique row (core.models.ReminderClaim), so two
schedulers, a restart mid-tick, or `clinicbot jobs run-once` beside a
running server never send a text twice or cancel a confirmed visit.
"""
