"""Pure helpers: no database, no settings, no platform. Coordinates, phone numbers, numbers
as people type them, spreadsheets in and out, working days, photos, company-name keys, text
clean-up, and the neutral chat types (``lib.chat``) every layer above speaks."""
