"""Save and load a Bm25Index as npz arrays plus a json header; never pickle, validate what is read.

Free functions that persist.py calls: the index itself knows nothing of files.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import StorageError
from .bm25 import Bm25Index
from .bm25_postings import FieldPostings, doc_ids
from .stopwords import Stopwords

FORMAT = "rankql-bm25"
# 2: no forward index on disk (the postings transposed give it back), term frequencies and lengths as the
# smallest unsigned integers that hold them. 1 (still read): the forward index saved, tfs as float32.
FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)
META_FILE = "bm25.json"
ARRAYS_FILE = "bm25.npz"


def _compact_ids(ids: np.ndarray) -> np.ndarray:
    """Doc or term ids as int32 on disk when they fit (half the bytes); loading widens them again."""
    return ids.astype(np.int32) if len(ids) == 0 or int(ids.max()) < 2**31 else ids


def _compact_counts(values: np.ndarray) -> np.ndarray:
    """Whole non-negative counts (term frequencies, token counts) as the smallest unsigned integer type
    that holds them exactly; anything else as it is."""
    if len(values) == 0:
        return values.astype(np.uint8)
    top = float(values.max())
    if float(values.min()) < 0 or not np.array_equal(values, np.floor(values)):
        return values
    for kind in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(kind).max:
            return values.astype(kind)
    return values


def save_bm25(index: Bm25Index, folder: Path) -> None:
    """Write the index into `folder` without changing it (queries may read it meanwhile)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cap = index.capacity
    arrays: dict[str, np.ndarray] = {"alive": index.alive[:cap]}
    fields = []
    for i, (name, field) in enumerate(index.fields.items()):
        indptr, docs, tfs = field.merged()
        arrays.update(
            {
                f"f{i}_indptr": indptr,
                f"f{i}_docs": _compact_ids(docs),
                f"f{i}_tfs": _compact_counts(tfs),
                f"f{i}_df": field.df[: len(field.vocab)],
                f"f{i}_lengths": _compact_counts(field.lengths[:cap]),
            }
        )
        fields.append({"name": name, "tokenization": field.tokenization, "vocab": list(field.vocab)})
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "k1": index.k1,
        "b": index.b,
        "stopwords": index.stopwords.to_config(),
        "capacity": cap,
        "count": index.count,
        "fields": fields,
    }
    _write(folder / ARRAYS_FILE, lambda f: np.savez(f, **arrays))
    _write(folder / META_FILE, lambda f: f.write(json.dumps(meta, ensure_ascii=False).encode("utf-8")))


def _write(path: Path, writer) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        writer(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_bm25(folder: Path) -> Bm25Index:
    """Read an index save_bm25 wrote; StorageError when the files are missing or damaged."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except FileNotFoundError as exc:
        raise StorageError(
            f"keyword index missing in {folder}: {exc.filename}", hint="the folder is not a rankql database"
        ) from None
    except (OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise StorageError(
            f"keyword index in {folder} is damaged: {exc}", hint="restore the folder or re-import the data"
        ) from None
    try:
        return _build(meta, arrays)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise StorageError(
            f"keyword index in {folder} is damaged: {type(exc).__name__}: {exc}",
            hint="restore the folder or re-import the data",
        ) from None


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise ValueError(what)


def _build(meta: dict, arrays: dict[str, np.ndarray]) -> Bm25Index:
    _check(isinstance(meta, dict) and meta.get("format") == FORMAT, "not a rankql keyword index")
    version = meta.get("version")
    _check(version in READ_VERSIONS, f"unsupported format version {version!r}")
    fields = meta["fields"]
    index = Bm25Index(
        {f["name"]: f["tokenization"] for f in fields},
        k1=float(meta["k1"]),
        b=float(meta["b"]),
        stopwords=Stopwords.from_config(meta["stopwords"]),
    )
    cap = int(meta["capacity"])
    alive = arrays["alive"]
    _check(alive.dtype == bool and alive.shape == (cap,), "alive mask has the wrong shape")
    index.alive = alive.copy()
    index.size = cap
    index.count = int(alive.sum())
    _check(index.count == int(meta["count"]), "object count does not match")
    for i, spec in enumerate(fields):
        index.fields[spec["name"]] = _field(spec, i, arrays, cap, version == 1)
    return index


def _field(spec: dict, i: int, arrays: dict[str, np.ndarray], cap: int, saved_forward: bool) -> FieldPostings:
    field = FieldPostings(spec["tokenization"])
    vocab = spec["vocab"]
    _check(all(isinstance(t, str) for t in vocab), "vocabulary holds a non-string")
    field.vocab = {term: tid for tid, term in enumerate(vocab)}
    _check(len(field.vocab) == len(vocab), "vocabulary repeats a term")
    indptr, docs, tfs = arrays[f"f{i}_indptr"], arrays[f"f{i}_docs"], arrays[f"f{i}_tfs"]
    df, lengths = arrays[f"f{i}_df"], arrays[f"f{i}_lengths"]
    v = len(vocab)
    _check(indptr.shape == (v + 1,) and indptr[0] == 0, "postings index has the wrong shape")
    _check(bool(np.all(np.diff(indptr) >= 0)) and indptr[-1] == len(docs) == len(tfs), "postings disagree")
    _check(len(docs) == 0 or (docs.min() >= 0 and docs.max() < cap), "a posting names an unknown doc")
    _check(df.shape == (v,) and lengths.shape == (cap,), "document statistics have the wrong shape")
    if saved_forward:
        fwd_indptr, fwd_terms = arrays[f"f{i}_fwd_indptr"], arrays[f"f{i}_fwd_terms"]
        _check(fwd_indptr.shape == (cap + 1,) and fwd_indptr[-1] == len(fwd_terms), "forward index disagrees")
        _check(len(fwd_terms) == len(docs), "forward index and postings disagree")
        _check(len(fwd_terms) == 0 or (fwd_terms.min() >= 0 and fwd_terms.max() < v), "unknown term id")
    else:
        # The postings transposed: each document's term ids, ascending (a stable sort keeps term order).
        by_doc = np.argsort(docs, kind="stable")
        fwd_terms = np.repeat(np.arange(v, dtype=np.int32), np.diff(indptr))[by_doc]
        fwd_indptr = np.zeros(cap + 1, np.int64)
        np.cumsum(np.bincount(docs, minlength=cap), out=fwd_indptr[1:])
    field.indptr = indptr.astype(np.int64)
    field.docs = doc_ids(docs)
    field.tfs = tfs.astype(np.float32)
    field.df = df.astype(np.int64)
    field.lengths = lengths.astype(np.float64)
    field.in_frozen = np.zeros(cap, bool)
    field.in_frozen[field.docs] = True
    field.fwd_terms = fwd_terms.astype(np.int32)  # ids of the vocabulary (checked above)
    field.fwd_start = fwd_indptr[:-1].astype(np.int64)
    field.fwd_count = np.diff(fwd_indptr).astype(np.int32)
    field.len_count = int(np.count_nonzero(field.fwd_count))
    field.len_sum = float(field.lengths.sum())
    return field
