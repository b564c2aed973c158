"""Security operations of 等保 level 3 that belong to no business domain: key rotation of the
personal-data columns, `Idempotency-Key` on API writes, backup and restore."""
