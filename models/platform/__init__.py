"""What crosses the platform edge, as rows: inbound events (the dedupe record), the outbox,
media users send, reported locations and the state of multi-step chat flows."""
