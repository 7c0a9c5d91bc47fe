"""Tier requirements: what an organisation must show to hold a tier, on measures the
feature areas offer through the registry (hub names none of them)."""
