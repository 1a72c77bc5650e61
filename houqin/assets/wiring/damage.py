"""Start-up registrations of the asset damage area."""


def ready() -> None:
    return None
