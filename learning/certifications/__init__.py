"""Certifications: issued when a level's requirements are met, verifiable in public."""
