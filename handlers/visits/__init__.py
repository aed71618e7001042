"""Visits in the chat (C4, C5): check-ins and their review, visit plans, follow-up reminders."""
