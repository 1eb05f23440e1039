"""Demo and volume data, built from the shared factories."""
