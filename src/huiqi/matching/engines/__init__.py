"""Bulk matching engines: run compiled policy items over many enterprises at once, where the
data lives (numpy vectors, DuckDB, an SQLite table, PostgreSQL), for `huiqi match` files and the
registry-wide re-match. The web's 政策礼包 never imports these; it reads stored results
through `huiqi.matching.service`."""
