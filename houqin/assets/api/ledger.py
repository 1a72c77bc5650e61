"""API of the asset ledger area."""


def register(router) -> None:
    return None
