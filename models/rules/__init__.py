"""Business rules as pure functions: small inputs, error codes out, no database."""
