"""Partner Hub's load benchmark: `python -m bench` (or `make bench`).

Seeds a large program (2,000+ organisations, 20,000 people), serves the app with the
production gunicorn configuration next to a bare "hello" Flask app served the same way,
and measures requests/second and latency percentiles of the main pages against that
baseline. See docs/performance.md.
"""
