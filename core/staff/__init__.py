"""What staff administer in the console: logins, doctors, hours, the clinic's policy."""
