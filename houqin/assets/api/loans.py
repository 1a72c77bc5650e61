"""API of the asset loans area."""


def register(router) -> None:
    return None
