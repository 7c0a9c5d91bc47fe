"""Realtime."""
