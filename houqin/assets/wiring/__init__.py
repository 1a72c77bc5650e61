"""What each sub-area of the asset ledger registers at start-up (nav, to-dos, search, exports,
reminders, approval document types, audit verbs): ``AssetsConfig.ready()`` calls every module's
``ready()``. One module per sub-area, so the areas stay apart."""

from . import custody, damage, disposal, ledger, loans, reports, transfers

WIRING = [ledger, transfers, custody, loans, damage, disposal, reports]
