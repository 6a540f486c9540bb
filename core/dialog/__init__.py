"""The dialog engine every channel drives: a state table, a pure step, a service.

    from core.dialog.service import handle_inbound
    replies = handle_inbound(Inbound("sms", "+15551234567", "hi"), now)

The pure function is core.dialog.step.step; see docs/dialog.md.
"""
