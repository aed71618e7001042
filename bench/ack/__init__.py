"""The webhook ack benchmark's helpers (C1); the entry script is ``bench/webhook_ack.py``:
``environment`` (settings, database, Redis, payloads), ``servers`` (gunicorn, CPU
accounting), ``load`` (the load generator), ``report`` (check, table, JSON)."""
