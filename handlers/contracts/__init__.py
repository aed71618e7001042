"""Contracts (C6): chat commands, finance's card buttons, the actions every entry point
(chat, H5, imports, jobs) calls, and the contract and bank export imports."""
