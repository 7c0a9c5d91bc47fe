"""Practical assessments: evidence of hands-on work a level may require, signed off by an OEM reviewer."""
