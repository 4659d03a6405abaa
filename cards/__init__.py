"""wengu's functional core: extraction, scheduling, rendering, Anki export.

Pure and typed: no Flask, no SQLAlchemy, no clock, no I/O beyond what a
caller hands in.
"""
