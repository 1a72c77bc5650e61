"""Start-up registrations of the asset reports area."""


def ready() -> None:
    return None
