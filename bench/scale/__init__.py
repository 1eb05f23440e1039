"""A big PostgreSQL database for benchmarks, built by the database itself (INSERT … SELECT generate_series).

``build.build(url, scale)`` re-creates the database, migrates it, loads ``flask seed demo`` (so the demo
logins work) and adds, at ``scale`` = 1.0, 2M guides, 10M guide items, 1M invoices, ~500k glosas,
~520k payment-order lines and 5M audit rows, much of it owned by the demo providers.
"""
