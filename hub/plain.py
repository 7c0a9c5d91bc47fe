"""Read-only rows: a row read as plain values (one prepared statement, no ORM objects), with
the ORM row behind it for anything else — for what nearly every request reads and almost
none changes (the signed-in person, the co-op program): docs/performance.md, "prepared
reads" and "Figures, session 12".

A subclass names its model, the values' names in the order given (`_fields`, also its
`__slots__`) and what an audit event about it calls it (`audit_type`). Setting an
attribute raises: the rules that change the row read it with `row()`. SQLAlchemy refuses
it in place of the row (it has no instance state), so the mistake is loud, never a wrong
row written.
"""

from __future__ import annotations

from hub import db


class PlainRow:
    """Read-only values with the ORM row behind them for anything else."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()  # the slots in the order of the values given
    _model: type
    # What audit.record writes as the object type of an event about it.
    audit_type: str

    def __init__(self, *values) -> None:
        for name, value in zip(self._fields, values, strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value) -> None:
        raise AttributeError(
            f"{type(self).__name__} is read-only ({name}): change the {self.audit_type} "
            "itself, its row()"
        )

    def row(self):
        """The ORM row these values were read from (the session's, loaded on first use)."""
        return db.session.get(self._model, self.id)

    def __getattr__(self, name: str):
        # Only for what the slots and properties do not have, and never for a private
        # name: SQLAlchemy's own (`_sa_instance_state`: the ORM never takes these values
        # for the row) and the probes of code asking what an object is (a LocalProxy's
        # `_get_current_object`), which must not cost a query.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.row(), name)

    def __eq__(self, other) -> bool:
        # The same row read either way is the same (`message.author == current_user`).
        if isinstance(other, PlainRow):
            return other._model is self._model and other.id == self.id
        if isinstance(other, self._model):
            return other.id == self.id
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._model, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


def row_of(obj):
    """The ORM row of a value given either way (a PlainRow or the row itself) — for the
    rules that change it or put it into a relationship."""
    return obj.row() if isinstance(obj, PlainRow) else obj
