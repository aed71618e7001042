"""Retail stores (C12): stores, traffic and POS rows, ingestion, the daily report,
promotions and the store scope."""
