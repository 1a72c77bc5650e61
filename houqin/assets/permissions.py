"""Object rules of the asset ledger (``rules`` predicates). Views pass the booleans to templates.

One section per sub-area; model permissions come from the roles (``AssetsConfig.ready()``).
"""

from __future__ import annotations

import rules

from houqin.core.permissions import in_current_school, is_read_only, role_perm

# --- ledger -----------------------------------------------------------------------------------------

can_change_asset = in_current_school & ~is_read_only & role_perm("assets.change_asset")

# --- transfers --------------------------------------------------------------------------------------

# --- custody ----------------------------------------------------------------------------------------

# --- loans ------------------------------------------------------------------------------------------

# --- damage -----------------------------------------------------------------------------------------

# --- disposal ---------------------------------------------------------------------------------------

__all__ = ["can_change_asset", "rules"]
