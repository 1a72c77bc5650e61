"""URLs of the stocktake's reports step (``app:model_action``, ``<int:pk>`` only)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
