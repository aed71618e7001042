"""The RQ job reading a store traffic / POS upload (C12), queued by the store upload page
(web/stores): the upload id in, handlers.stores.uploads does the work."""

from __future__ import annotations

from handlers.stores.uploads import store_upload

__all__ = ["run_upload"]


def run_upload(upload_id: str) -> str:
    """Read, check and store the file (all rows or none)."""
    return store_upload(upload_id)
