"""Search: tokenization, query parsing, index build/load, ranking."""
