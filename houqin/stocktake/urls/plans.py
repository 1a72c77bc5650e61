"""URLs of the stocktake's plans step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
