"""Customers (C2, C3, C11): the table and its vocabularies, input cleaning, quick
registration, lookup, orders, communication records, service tickets and the scope rule."""
