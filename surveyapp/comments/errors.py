"""The one refusal of the comments feature: a field to fix, and the HTTP status it is answered with."""

from __future__ import annotations


class CommentsError(ValueError):
    """A comment, codebook or coding that cannot be found or stored as asked: `field` names what to fix."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status
