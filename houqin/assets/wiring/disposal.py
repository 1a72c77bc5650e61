"""Start-up registrations of the asset disposal area."""


def ready() -> None:
    return None
