"""API of the asset reports area."""


def register(router) -> None:
    return None
