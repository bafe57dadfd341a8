"""The compiled part: the inner loops of top-k and the term features (src/assistant/search/_kernel.c). The rest is in
pyproject.toml."""
from setuptools import Extension, setup

setup(ext_modules=[Extension(
    "assistant.search._kernel", ["src/assistant/search/_kernel.c"],
    # -ffp-contract=off: s[d] += w * factor rounded twice, as numpy does (no fused multiply-add on any CPU)
    extra_compile_args=["-O2", "-ffp-contract=off", "-std=c99", "-Wall", "-Wextra", "-Wno-unused-parameter"],
)])
