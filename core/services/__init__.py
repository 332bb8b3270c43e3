"""Service functions, one module an area: check, validate, write, audit, return read models."""
