"""Customers in the chat (C2, C3): 新客户 quick registration and 客户 lookup."""
