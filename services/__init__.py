"""Application services: operations that span several models (counts, filing, sending, paying)."""
