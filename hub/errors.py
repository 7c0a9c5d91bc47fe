"""Errors a service raises for the caller (page, API, socket) to present."""

from __future__ import annotations


class ValidationFailed(Exception):
    """The input cannot be accepted; `problems` maps a field (or "" for the whole form) to sentences."""

    def __init__(self, problems: dict[str, list[str]] | str):
        if isinstance(problems, str):
            problems = {"": [problems]}
        self.problems = problems
        super().__init__("; ".join(m for msgs in problems.values() for m in msgs))


class Conflict(ValidationFailed):
    """The input clashes with what exists (a taken e-mail, a replay with other content)."""


class InsufficientFunds(ValidationFailed):
    """Money can't be taken because too little is available (a hold would overdraw).

    The input was fine; the account can't cover it now. problems name the amount.
    """


class TooManyAttempts(Exception):
    """Rate limited; the message says when to try again."""


EMAIL_MESSAGE = "Enter an e-mail address like name@company.com."
