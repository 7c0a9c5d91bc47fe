"""Coop."""
