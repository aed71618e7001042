"""Store pages (C12) and the signed people-counter endpoint."""
