"""API of the asset damage area."""


def register(router) -> None:
    return None
