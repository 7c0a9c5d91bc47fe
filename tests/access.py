"""The access matrix: what each role gets from each URL rule.

Every package's tests define ACCESS_CASES in tests/<package>/access_cases.py — a dict
from endpoint to a list of Case. tests/test_access_matrix.py runs them all for every
role and fails when any URL rule of the app has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "program_admin",
    "channel_manager",
    "product_manager",
    "distributor_admin",
    "partner_admin",
    "dealer_marketer",
    "partner_staff",
)


@dataclass
class Case:
    """One request and the status each role must get (`default` for roles not named).

    `path` is a string or a function of the `channel` fixture (and the test's helpers)
    returning one; `data` is form data (a CSRF token is added) or, with `json=True`,
    a JSON body sent with the role's API token.
    """

    method: str
    path: str | Callable
    expect: dict[str, int]
    default: int | None = None
    data: dict | Callable | None = None
    json: bool = False
    note: str = ""
    roles: tuple[str, ...] = field(default=ROLES)

    def status_for(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.default is None:
            raise KeyError(f"no expectation for {role}")
        return self.default


SIGNED_IN = {r: 200 for r in ROLES if r != "anonymous"}
OEM_ONLY = {"program_admin", "channel_manager", "product_manager"}
