"""Asset disposal services (to be written)."""

__all__: list[str] = []
