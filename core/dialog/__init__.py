"""The dialog engine every channel drives: a state table, a pure step, a service.

from core.dialog import handle_inbound
replies = handle_inbound(Inbound("sms", "+15551234567", "hi"), now)
"""

from core.dialog.service import handle_inbound
from core.dialog.step import step

__all__ = ["handle_inbound", "step"]
