"""Asset transfers services (to be written)."""

__all__: list[str] = []
