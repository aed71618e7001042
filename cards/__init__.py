"""Pure renderers: neutral cards and replies in, platform message payloads out (no DB, no
HTTP). ``render`` builds the WeCom / DingTalk dicts that the outbox stores and
``bot.channels`` sends."""
