"""Adjustments (调账) after reconciliation: to be written (see the brief)."""

from __future__ import annotations

__all__: list[str] = []
