"""Errors a page shows the user: a status and a sentence, never a stack or a PHI value."""


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LoginRequired(Exception):
    """No session, or its token has expired: start a standalone launch."""
