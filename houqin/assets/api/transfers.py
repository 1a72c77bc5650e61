"""API of the asset transfers area."""


def register(router) -> None:
    return None
