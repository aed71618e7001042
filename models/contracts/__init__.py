"""Contracts and the money behind them (C6): the tables and the sentences people see about them."""
