"""Ingestion: read → clean → structure → sentences → store (one module per step)."""
