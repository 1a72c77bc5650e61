"""Start-up registrations of the asset ledger area."""


def ready() -> None:
    return None
