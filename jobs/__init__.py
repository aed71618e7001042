"""RQ jobs: plain functions that take ids, reload what they need and are idempotent."""
