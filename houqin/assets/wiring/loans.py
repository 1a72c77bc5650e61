"""Start-up registrations of the asset loans area."""


def ready() -> None:
    return None
