"""Asset loans services (to be written)."""

__all__: list[str] = []
