"""The clinic's rules and records: slots, calendars, bookings, the waitlist."""
