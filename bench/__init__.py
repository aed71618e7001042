"""Benchmarks, one entry script each, run from the repository root as
``.venv/bin/python bench/NAME.py`` (results in docs/BENCHMARKS.md). The entry scripts'
helpers live in sub-packages: ``bench.ack`` (webhook_ack.py), ``bench.evidence``
(evidence_accuracy.py); ``bench.bare_app`` and ``bench.gunicorn_conf`` are what the
webhook ack bench's gunicorns load."""
