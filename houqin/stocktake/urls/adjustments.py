"""URLs of the stocktake's adjustments step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
