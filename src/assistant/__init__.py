"""Policy-quote assistant: documents → passages → index → search → reply → chat adapter."""
import os
import sys

# numpy's OpenBLAS starts a thread per core when imported (~60 ms of CPU, ~20 ms of a command's start on two
# cores); the search multiplies small arrays only, which one thread does as fast. Unless the environment says.
if "numpy" not in sys.modules:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def import_jieba(*submodules: str):
    """jieba, imported without pkg_resources (the search itself never imports jieba: search/tokenizer.py).

    jieba imports pkg_resources only to open its data files, and opens them by path when that import fails;
    pkg_resources (deprecated) takes ~0.1 s to import."""
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
        try:
            import jieba  # noqa: F401
        finally:
            del sys.modules["pkg_resources"]
    import importlib
    import logging

    import jieba

    for name in submodules:  # jieba.posseg …
        importlib.import_module(f"jieba.{name}")
    jieba.setLogLevel(logging.WARNING)
    return jieba
