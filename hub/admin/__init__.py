"""Program administration: program settings, tiers, the development outbox and the audit log."""
