"""API of the asset custody area."""


def register(router) -> None:
    return None
