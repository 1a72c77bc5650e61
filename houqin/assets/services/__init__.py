"""Every write of the asset ledger, one module per sub-area (DESIGN.md: split before ~800 lines).

``from houqin.assets import services`` then ``services.asset_create(...)``: each module lists its
public functions in ``__all__``.
"""

from .cards import *  # noqa: F403
from .categories import *  # noqa: F403
from .custody import *  # noqa: F403
from .damage import *  # noqa: F403
from .disposal import *  # noqa: F403
from .loans import *  # noqa: F403
from .transfers import *  # noqa: F403
