"""What the console says after a change, by key: `?notice=<key>` shows only these.

A notice box that showed any text from the URL would let a phishing link
put its own words in the console's official voice.
"""

from __future__ import annotations

NOTICES = {
    "settings_saved": "Settings saved",
    "facts_saved": "Saved what the bot tells patients",
    "login_created": "Login created",
    "staff_saved": "Staff member saved",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "password_set": "Your new password is set. Log in with it.",
    "confirmed": "Confirmed",
    "cancelled": "Cancelled",
    "completed": "Marked completed",
    "no_show": "Marked no-show",
    "checked_in": "Checked in",
    "note_saved": "Staff note saved",
    "confirmation_saved": "Confirmation setting saved",
    "moved": "Moved",
    "booked": "Booked",
    "doctor_saved": "Doctor saved",
    "doctor_active": "Doctor active again",
    "doctor_inactive": "Doctor deactivated; booked visits stay",
    "time_off_removed": "Time off removed",
    "department_saved": "Department saved",
    "visit_type_saved": "Visit type saved",
    "closure_removed": "Closure removed",
    "contact_saved": "Contact details saved",
    "reply_queued": "Reply queued",
    "reply_not_sent": "Not sent: the patient opted out or cannot be reached",
    "resolved": "Marked resolved",
    "reply_sent": "Reply sent: the patient sees it in the simulator",
    "assigned": "Assigned to you",
    "unassigned": "Unassigned",
    "marked_unread": "Marked unread",
    "saved_reply_saved": "Saved reply saved",
    "saved_reply_deleted": "Saved reply deleted",
    "waitlist_removed": "Taken off the waitlist",
    "webhook_paused": "Endpoint paused: its deliveries wait until it is resumed",
    "webhook_resumed": "Endpoint resumed",
    "webhook_deleted": "Endpoint deleted, with its deliveries",
    "webhook_replayed": "Delivery queued to be sent again",
}


def notice_text(key: str | None) -> str:
    """The text for a notice key; nothing for a key we did not write."""
    return NOTICES.get(key or "", "")
