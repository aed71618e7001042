"""The visit evidence accuracy benchmark's helpers (C4); the entry script is
``bench/evidence_accuracy.py``: ``labels`` (patterns, noise, sizes, word lists),
``generator`` (the labelled set), ``scoring`` (audit, tables, the docs section)."""
