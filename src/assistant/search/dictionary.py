"""jieba's default word table kept compact and read on demand, so a searcher starts without loading it.

jieba's table maps ~500k words and word prefixes to frequencies; building it as a dict (its own
marshal cache) took ~0.5–1 s of start-up and ~60 MB. Segmenting a text only reads the entries that
start at one of its characters, so the table is stored once per jieba dictionary file as arrays
grouped by an entry's first two characters (single characters apart, read at once): a tokenizer
copies a group into its own word table the first time a text holds that character pair. What jieba
reads is then the same as the full table, so segmentation is identical (tests/test_tokenizer.py).
"""
from __future__ import annotations

import importlib.util
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant"
FORMAT = "1"
JIEBA_DICT_NAME = "dict.txt"  # jieba.DEFAULT_DICT_NAME
PLACE_TAG = "ns"  # the part of speech kept beside the frequencies: place names (places.place_names)
_SHIFT = 21  # code points fit 21 bits: a pair's key is (first << 21) | second, a single character's key its code


@dataclass(frozen=True)
class WordTable:
    """Entries grouped by key (sorted): group g holds entries starts[g]:starts[g+1], its words the bytes
    offsets[g]:offsets[g+1] of `text` (utf-8, newline-separated)."""

    keys: np.ndarray  # int64, sorted
    starts: np.ndarray  # int64, len(keys) + 1
    offsets: np.ndarray  # int64, len(keys) + 1
    freqs: np.ndarray  # int64 per entry
    text: np.ndarray  # uint8
    total: int
    places: tuple[str, ...]

    def entries(self, keys: list[str]) -> dict[str, int]:
        """The entries starting with any of these character pairs, and those of these single characters.

        Read group by group: a query brings a few new keys at a time (~5 µs for one, where a vectorised
        gather cost ~15 µs whatever the count)."""
        codes = [_key(k) for k in keys]
        out: dict[str, int] = {}
        for g, code in zip(self.keys.searchsorted(codes).tolist(), codes):
            if g < len(self.keys) and self.keys[g] == code:
                (a, b), (s, e) = self.offsets[g : g + 2].tolist(), self.starts[g : g + 2].tolist()
                out.update(zip(self.text[a:b].tobytes().decode().split("\n")[:-1], self.freqs[s:e].tolist()))
        return out


def _key(word: str) -> int:
    return (ord(word[0]) << _SHIFT) | ord(word[1]) if len(word) > 1 else ord(word)


def _build(dict_path: Path) -> dict[str, np.ndarray]:
    """The arrays of jieba's table for its dictionary file (jieba's own reader, so entries are its entries)."""
    from assistant import import_jieba

    jieba = import_jieba()
    with open(dict_path, "rb") as f:
        freq, total = jieba.Tokenizer.gen_pfdict(f)
    items = sorted(freq.items(), key=lambda wf: _key(wf[0]))
    keys = np.fromiter((_key(w) for w, _ in items), dtype=np.int64, count=len(items))
    group_keys, starts = np.unique(keys, return_index=True)
    encoded = [(w + "\n").encode() for w, _ in items]
    ends = np.cumsum([0] + [len(e) for e in encoded])
    places = [line.split()[0] for line in dict_path.read_text(encoding="utf-8").splitlines()
              if len(line.split()) == 3 and line.split()[2] == PLACE_TAG]
    return {
        "keys": group_keys, "starts": np.append(starts, len(items)).astype(np.int64),
        "offsets": ends[np.append(starts, len(items))].astype(np.int64),
        "freqs": np.array([f for _, f in items], dtype=np.int64),
        "text": np.frombuffer(b"".join(encoded), dtype=np.uint8), "total": np.array(total, dtype=np.int64),
        "places": np.frombuffer("\n".join(places).encode(), dtype=np.uint8),
    }


def _dict_path() -> Path:
    """jieba's default dictionary file, found without importing jieba (a searcher never does)."""
    return Path(importlib.util.find_spec("jieba").origin).parent / JIEBA_DICT_NAME


_ARRAYS = ("keys", "starts", "offsets", "freqs", "text", "total", "places")
_table: WordTable | None = None
_lock = threading.Lock()


def word_table(cache_dir: Path = CACHE_DIR) -> WordTable:
    """The default dictionary's table, read once per process from its cache file (built on first use)."""
    global _table
    with _lock:
        if _table is None:
            _table = _load(cache_dir)
    return _table


def _load(cache_dir: Path) -> WordTable:
    path = _dict_path()
    stat = path.stat()
    # crc32, not a cryptographic hash: the name only tells dictionary files apart (hashlib costs ~2.5 ms to import)
    stamp = f"{zlib.crc32(f'{FORMAT}:{path}:{stat.st_size}:{stat.st_mtime_ns}'.encode()):08x}"
    cache = cache_dir / f"jieba-words-{stamp}"
    try:  # mapped, not read: a process touches the pages of the groups it copies
        mapped = {name: np.load(cache / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in _ARRAYS}
        arrays = {name: np.asarray(a) for name, a in mapped.items()}  # plain arrays: np.memmap slices slowly
    except (OSError, ValueError):  # none yet, or unreadable: build it
        arrays = _build(path)
        _store(cache, arrays)
    return WordTable(
        keys=arrays["keys"], starts=arrays["starts"], offsets=arrays["offsets"], freqs=arrays["freqs"],
        text=arrays["text"], total=int(arrays["total"]), places=tuple(bytes(arrays["places"]).decode().split("\n")),
    )


def _store(cache: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the arrays as one directory of .npy files, renamed into place whole (readers never see a part)."""
    tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array)
        os.rename(tmp, cache)
    except OSError:  # not writable, or another process stored it first: built again if need be
        import shutil  # only here: a searcher starts without it

        shutil.rmtree(tmp, ignore_errors=True)
