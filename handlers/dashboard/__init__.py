"""健康度 in the chat (C9)."""
