"""A module's attachments: checked uploads (hub/uploads) shown as downloads on its page."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, utcnow
from hub.models import StoredFile
from learning.paths.models import Module


class ModuleAttachment(Base):
    """One downloadable file of a module (a wiring diagram, a checklist PDF)."""

    __tablename__ = "learning_module_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("learning_module.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_file.id"))
    title: Mapped[str] = mapped_column(sa.String(160), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship()
    file: Mapped[StoredFile] = relationship(lazy="joined", innerjoin=True)

    @property
    def label(self) -> str:
        return self.title or self.file.filename
