"""The clinic's rules and records: slots, calendars, bookings, patients, the waitlist."""
