"""The RQ job running a spreadsheet import started from the admin page (C3), queued by
models.imports.tracked.enqueue: the import id in, models.imports.tracked.run does the
work."""

from __future__ import annotations

from models.imports import tracked


def run_import(import_id: str) -> str:
    """Returns the final status ("skipped" for an import already finished)."""
    return tracked.run(import_id)
