"""The message center's rules (C7): every rule in ``models.rules.rule`` as a few set-based SQL
statements, fired exactly once. ``runner`` runs them (called by the RQ/scheduler entry
points in ``jobs.rules`` and ``jobs.plans`` and the CLI); ``contracts``, ``customers`` and
``digest`` are the rule families, ``plans`` the plan-deadline notice, ``outgoing`` the
messages of one sweep; the shared SQL is ``models.rules.sql``, the recipients
``models.rules.recipients``.

How one rule fires, in ONE transaction:

1. ``INSERT INTO rule_firing … SELECT <due rows> … ON CONFLICT DO NOTHING RETURNING`` —
   the due, not-yet-fired occurrences; only the rows this statement really inserted come
   back, so a re-run, a restart or a second scheduler racing it gets nothing back.
2. The side effects for exactly those rows: ``contract.risk_at``, the wake-up tasks.
3. The messages: one outbox row per recipient and channel with a deterministic key
   ``rule:{code}:{subject}:{subject_at epoch}:{occurrence}:{channel}:{user}``; a crash
   before commit rolls all three back, a worker dying mid-delivery is the outbox's
   resend logic.

When (the business calendar, ``Window``): rules fire on Chinese working days only
(chinese_calendar: public holidays off, make-up Saturdays on). A deadline that falls on a
working day fires at the deadline; one that fell on a weekend or holiday — or before
today — fires on the next working day at the rule's ``schedule.time``. Something missed
while the scheduler was down is therefore found and fired once when it comes back. The
72 h review reminder repeats: one occurrence per working day (``occurrence`` = the day)
until the contract leaves ``signed``.

Volume: the rep gets one message per occurrence (the wake-up card carries its task's
button); supervisors and other recipients get ONE list per sweep and rule (keyed by the
first occurrence in it), and zombie notices are lists for everyone. The customer-wide
rules look only at deadlines since their previous sweep (``rule_sweep`` marks, minus a
day's margin) and at every customer weekly and after a rule change — see
docs/BENCHMARKS.md for what that buys at a million customers.

Every sweep reads its rule row afresh (``models.rules.rule.get_rule``), so a threshold changed
on the admin page counts from the next sweep, without a restart."""
