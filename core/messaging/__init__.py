"""Talking to patients: message texts, phone numbers, the outbox and its delivery."""
