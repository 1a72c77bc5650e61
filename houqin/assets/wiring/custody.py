"""Start-up registrations of the asset custody area."""


def ready() -> None:
    return None
