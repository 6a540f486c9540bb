"""Domain errors: each message is fit to show a patient or a staff member."""


class DomainError(Exception):
    """A rule of the clinic said no; str(error) explains it to a person."""


class NotFound(DomainError):
    pass


class InvalidInput(DomainError):
    """Bad input; field names the form field it is about, when there is one."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class SlotTaken(DomainError):
    def __init__(self, message: str = "Sorry, that time was just taken.") -> None:
        super().__init__(message)


class SlotUnavailable(DomainError):
    """The time is outside hours, too soon, too far ahead or in the past."""


class InvalidTransition(DomainError):
    """The visit's status does not allow it; status says what it is now."""

    def __init__(self, message: str, status: str | None = None) -> None:
        super().__init__(message)
        self.status = status
