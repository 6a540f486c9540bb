"""The dialog engine every channel drives: a state table, a pure step, a service.

    from core.dialog import handle_inbound
    replies = handle_inbound(Inbound("sms", "+15551234567", "hi"), now)

The pure function is core.dialog.step.step (not re-exported here, so that
core.dialog.step stays the module).
"""

from core.dialog.service import handle_inbound

__all__ = ["handle_inbound"]
