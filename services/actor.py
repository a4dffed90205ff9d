"""Who is acting: the logged-in account with its roles and their scopes."""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import DomainError


@dataclass(frozen=True)
class Grant:
    role: str
    school_id: int | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class Actor:
    account_id: int
    username: str
    display_name: str
    staff_id: int | None
    grants: tuple[Grant, ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def school_ids(self, *roles: str) -> frozenset[int]:
        """Schools this actor may act on under the given roles (all roles if none given)."""
        return frozenset(
            g.school_id for g in self.grants
            if g.school_id is not None and (not roles or g.role in roles)
        )

    def department_ids(self) -> frozenset[int]:
        return frozenset(
            g.department_id for g in self.grants
            if g.role == "department_head" and g.department_id is not None
        )


def require_login(actor: Actor | None) -> Actor:
    """Any logged-in actor; the anonymous visitor is refused with a message, not a crash."""
    if actor is None:
        raise DomainError("error.login_required")
    return actor


def require_role(actor: Actor | None, *roles: str) -> Actor:
    if actor is None:
        raise DomainError("error.login_required")
    if not actor.has(*roles):
        raise DomainError("error.forbidden")
    return actor
