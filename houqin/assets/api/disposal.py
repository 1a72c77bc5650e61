"""API of the asset disposal area."""


def register(router) -> None:
    return None
