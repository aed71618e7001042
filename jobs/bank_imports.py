"""The RQ job booking a bank export uploaded by finance (/h5/contracts/payments/import),
queued by web/contracts/pages.py: the upload id in, handlers.contracts.bank_upload does
the work."""

from __future__ import annotations

from handlers.contracts.bank_upload import book_bank_upload

__all__ = ["run_bank_import"]


def run_bank_import(upload_id: str) -> str:
    return book_bank_upload(upload_id)
