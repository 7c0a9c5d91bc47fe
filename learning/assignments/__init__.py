"""Assignments: a partner admin gives a staff member a path or level to finish by a date."""
