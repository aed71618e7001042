"""Configuration in the chat (C8): custom field commands."""
