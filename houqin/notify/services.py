"""Notifications: the one way any module tells people something (in-app, e-mail, group robots).

Contract used by other apps (approvals, repairs, ...) — implemented in this module:

    notify(*, school, recipients, kind, title, body="", url="", actor=None, target=None) -> list[Notification]

``recipients`` is an iterable of users; ``kind`` a registered notification kind (see
``register_kind``). Called inside the caller's transaction: rows are written at once, deliveries
to e-mail and webhooks are queued with ``transaction.on_commit`` so a rolled-back change sends
nothing.
"""
