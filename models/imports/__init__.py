"""Spreadsheet imports (C3, C6): the shared machinery and one module per kind of row
(customers, orders); the contract and bank payment imports are business actions in
handlers/contracts/ (import_contracts.py, import_payments.py)."""
