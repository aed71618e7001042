"""Contract pages (C6): contracts, finance review, risk list, bank import, collection reports."""
