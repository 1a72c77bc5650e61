"""Start-up registrations of the asset transfers area."""


def ready() -> None:
    return None
