"""Forms of the asset ledger, one module per sub-area."""
