"""Mastery paths: tracks per product line, their levels and modules, and progress."""
