"""What a GGUF model file is, and whether it fits in this computer's memory, without loading it.

The header, the metadata key/values and the tensor descriptions of a GGUF file (format v2/v3,
https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) are read with `struct`; tensor data
is never read. Large arrays (a tokenizer's 262k-entry vocabulary) are stepped over without
being built in memory, so describing a file costs a few megabytes of reading whatever its size.

Every length and count in the file is checked against caps and against the file's size before
anything is allocated: a damaged or hostile file raises `ModelFileError` with one paragraph for
people, never another exception. This matters because llama.cpp may abort the whole process on
bad input, and this module is what the app and `empath models` look at first.
"""

from __future__ import annotations

import logging
import math
import os
import re
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from empath_desktop.llm.model_files import GGUF_MAGIC, ModelFileError

logger = logging.getLogger(__name__)

# -- caps against hostile files -------------------------------------------------------------
# Real files stay far below each: keys are tens of bytes, tensor names under 64 (llama.cpp's
# GGML_MAX_NAME), chat templates tens of kilobytes, the largest vocabularies ~260k entries,
# models thousands of tensors with up to 4 dimensions.
MAX_KEY_BYTES = 1 << 10
MAX_TENSOR_NAME_BYTES = 1 << 8
MAX_STRING_BYTES = 1 << 26
MAX_ARRAY_ITEMS = 1 << 26
MAX_KV = 1 << 16
MAX_TENSORS = 1 << 20
MAX_DIMS = 4  # GGML_MAX_DIMS
# Values kept in `GGUFFile.metadata`; larger ones are stepped over and kept as `Skipped`. The
# budget bounds what all kept values together may cost, whatever the file claims.
KEEP_STRING_BYTES = 1 << 20
KEEP_ARRAY_ITEMS = 1 << 12
KEEP_BUDGET_BYTES = 1 << 25
_ITEM_COST = 32  # bytes a kept Python number costs, roughly

_READ_CHUNK = 1 << 20
_DEFAULT_ALIGNMENT = 32

# GGUF value types: (struct format, size) for the fixed-size ones.
_STRING, _ARRAY = 8, 9
_SCALARS: dict[int, tuple[str, int]] = {
    0: ("<B", 1),  # uint8
    1: ("<b", 1),  # int8
    2: ("<H", 2),  # uint16
    3: ("<h", 2),  # int16
    4: ("<I", 4),  # uint32
    5: ("<i", 4),  # int32
    6: ("<f", 4),  # float32
    7: ("<?", 1),  # bool
    10: ("<Q", 8),  # uint64
    11: ("<q", 8),  # int64
    12: ("<d", 8),  # float64
}

# ggml tensor types: name, elements per block, bytes per block (ggml.c type_traits).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 40),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, 66),
    17: ("IQ2_XS", 256, 74),
    18: ("IQ3_XXS", 256, 98),
    19: ("IQ1_S", 256, 50),
    20: ("IQ4_NL", 32, 18),
    21: ("IQ3_S", 256, 110),
    22: ("IQ2_S", 256, 82),
    23: ("IQ4_XS", 256, 136),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, 56),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 54),
    35: ("TQ2_0", 256, 66),
    39: ("MXFP4", 32, 17),
    40: ("NVFP4", 64, 36),
    41: ("Q1_0", 128, 18),
}

# llama.cpp's `llama_ftype` (general.file_type): what a quantisation is called on model pages.
FILE_TYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
}
# llama.cpp sets this bit when the quantisation was guessed rather than chosen.
_FILE_TYPE_GUESSED = 1024

# -- memory model -----------------------------------------------------------------------------
KV_BYTES_PER_VALUE = 2  # llama.cpp's default cache type is f16 for both K and V
# The app's BackendConfig.n_batch: llama.cpp's compute buffer holds the logits of one batch.
DEFAULT_N_BATCH = 256
# The Python interpreter, llama.cpp's runtime and token caches, and llama-cpp-python's arrays.
# Measured: loading the embedded model (n_ctx 4096 and 16384, n_batch 256) and generating grew
# a Python process of ~48 MB by 82-87 MB beyond its weights and KV cache; rounded up.
OVERHEAD_BASE_BYTES = 128 * 1024 * 1024
# Activations of wider models (llama.cpp sizes its compute buffer by width and context).
OVERHEAD_FRACTION = 0.05
_LOGIT_BYTES = 4  # float32


@dataclass(frozen=True, slots=True)
class Skipped:
    """A metadata value stepped over, too large to keep (a vocabulary): its type and size.

    `count` is the number of items of an array, the length in bytes of a string.
    """

    item_type: int
    count: int


MetaValue = int | float | bool | str | tuple[int | float | bool | str, ...] | Skipped


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int  # from the start of the tensor data section

    @property
    def n_elements(self) -> int:
        return math.prod(self.shape)

    @property
    def type_name(self) -> str:
        known = GGML_TYPES.get(self.ggml_type)
        return known[0] if known else f"type {self.ggml_type}"

    @property
    def n_bytes(self) -> int | None:
        """Bytes of data, or None for a tensor type this module does not know."""
        known = GGML_TYPES.get(self.ggml_type)
        if known is None:
            return None
        _name, block, size = known
        return self.n_elements // block * size


@dataclass(frozen=True, slots=True)
class GGUFFile:
    """The parsed header of a GGUF file: everything but the tensor data."""

    path: Path
    version: int
    file_size: int
    metadata: Mapping[str, MetaValue]
    tensors: tuple[TensorInfo, ...]
    data_offset: int  # where the tensor data section starts


@dataclass(frozen=True, slots=True)
class GGUFInfo:
    """What a model file is, in the terms people and memory estimates need."""

    path: Path
    name: str
    architecture: str
    parameters: int  # sum of the tensors' element counts
    quantisation: str  # llama.cpp's name, e.g. "Q4_K_M"
    file_size: int
    weights_bytes: int  # tensor data
    context_length: int | None  # the context the model was trained for
    n_layer: int | None
    n_head_kv: int | None
    key_length: int | None  # per KV head
    value_length: int | None
    n_vocab: int | None
    sliding_window: int | None  # tokens seen by sliding-window layers, None when none
    has_chat_template: bool

    @property
    def parameters_label(self) -> str:
        return format_count(self.parameters)


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    """Memory a model needs once loaded for a given context, in bytes."""

    n_ctx: int
    weights_bytes: int
    kv_bytes: int
    overhead_bytes: int
    total_bytes: int

    def describe(self) -> str:
        """E.g. '1.9 GB (1.6 GB weights + 256 MB KV cache for 4096 tokens + 90 MB working
        memory)'."""
        return (
            f"{format_bytes(self.total_bytes)} ({format_bytes(self.weights_bytes)} weights + "
            f"{format_bytes(self.kv_bytes)} KV cache for {self.n_ctx} tokens + "
            f"{format_bytes(self.overhead_bytes)} working memory)"
        )


def format_bytes(n: int) -> str:
    """Decimal units as file managers show them: 253 MB, 1.9 GB."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_count(n: int) -> str:
    """Parameter counts as model cards write them: 268M, 1.2B, 70B."""
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.0f}{unit}" if value >= 10 else f"{value:.1f}{unit}"
    return str(n)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 200) -> str:
    """Text from a model file made safe to print in a terminal: control characters (escape
    sequences, bidi overrides) replaced, and cut at `limit` characters."""
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- reading ----------------------------------------------------------------------------------


class _MalformedError(Exception):
    """Internal: what is wrong, completed into a `ModelFileError` paragraph by the caller."""


class _Reader:
    """Sequential reads over a file through a 1 MiB window, checked against the file's size."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self._f = f
        self.size = size
        self.keep_budget = KEEP_BUDGET_BYTES  # left for values kept in memory
        self._buf = b""
        self._i = 0  # read position inside _buf
        self._start = 0  # file offset of _buf[0]

    @property
    def pos(self) -> int:
        return self._start + self._i

    def _ensure(self, n: int, what: str) -> None:
        available = len(self._buf) - self._i
        if available >= n:
            return
        if self.pos + n > self.size:
            raise _MalformedError(f"the file ends in the middle of {what} (it is truncated)")
        rest = self._buf[self._i :]
        more = self._f.read(max(n - available, _READ_CHUNK))
        self._start = self.pos
        self._buf = rest + more
        self._i = 0
        if len(self._buf) < n:
            raise _MalformedError(f"the file ends in the middle of {what} (it is truncated)")

    def take(self, n: int, what: str) -> bytes:
        self._ensure(n, what)
        out = self._buf[self._i : self._i + n]
        self._i += n
        return out

    def unpack(self, fmt: str, size: int, what: str) -> tuple:
        self._ensure(size, what)
        out = struct.unpack_from(fmt, self._buf, self._i)
        self._i += size
        return out

    def u32(self, what: str) -> int:
        return self.unpack("<I", 4, what)[0]

    def u64(self, what: str) -> int:
        return self.unpack("<Q", 8, what)[0]

    def skip(self, n: int, what: str) -> None:
        if self.pos + n > self.size:
            raise _MalformedError(
                f"{what} runs past the end of the file (it is truncated or damaged)"
            )
        if len(self._buf) - self._i >= n:
            self._i += n
            return
        target = self.pos + n
        self._f.seek(target)
        self._buf, self._i, self._start = b"", 0, target

    def string(self, what: str, cap: int = MAX_STRING_BYTES) -> str:
        n = self.u64(f"the length of {what}")
        if n > cap:
            raise _MalformedError(
                f"{what} claims to be {n} bytes long, more than the {cap} allowed"
            )
        return self.take(n, what).decode("utf-8", errors="replace")

    def spend(self, cost: int) -> bool:
        """Take `cost` from the keep budget if it is there; False: step over the value."""
        if cost > self.keep_budget:
            return False
        self.keep_budget -= cost
        return True


def _q(name: str) -> str:
    """A key or tensor name from the file, quoted for a message: escaped and kept short."""
    return repr(printable(name, 60))


def _read_string_array(r: _Reader, count: int, key: str) -> MetaValue:
    """A string array; a large one (a vocabulary) is stepped over reading only the lengths."""
    what = f"the array {_q(key)}"
    # Each string is at least its 8-byte length: a cheap bound before stepping through.
    if r.pos + count * 8 > r.size:
        raise _MalformedError(f"{what} ({count} strings) runs past the end of the file")
    keep = count <= KEEP_ARRAY_ITEMS and r.spend(count * _ITEM_COST)
    items: list[str] = []
    for _ in range(count):
        n = r.u64(f"the length of an item of {what}")
        if n > MAX_STRING_BYTES:
            raise _MalformedError(f"an item of {what} claims to be {n} bytes long")
        if keep and r.spend(n):
            items.append(r.take(n, what).decode("utf-8", errors="replace"))
        else:
            keep = False
            r.skip(n, what)
    return tuple(items) if keep else Skipped(_STRING, count)


def _read_value(r: _Reader, vtype: int, key: str) -> MetaValue:
    what = f"the value of {_q(key)}"
    if vtype in _SCALARS:
        fmt, size = _SCALARS[vtype]
        return r.unpack(fmt, size, what)[0]
    if vtype == _STRING:
        n = r.u64(f"the length of {_q(key)}")
        if n > MAX_STRING_BYTES:
            raise _MalformedError(f"{what} claims to be {n} bytes long")
        if n > KEEP_STRING_BYTES or not r.spend(n):
            r.skip(n, what)
            return Skipped(_STRING, n)
        # Invalid UTF-8 is shown with replacement characters rather than refused: a name with
        # one bad byte is still a usable model.
        return r.take(n, what).decode("utf-8", errors="replace")
    if vtype == _ARRAY:
        item_type = r.u32(f"the item type of {_q(key)}")
        count = r.u64(f"the length of {_q(key)}")
        if count > MAX_ARRAY_ITEMS:
            raise _MalformedError(f"the array {_q(key)} claims {count} items")
        if item_type == _STRING:
            return _read_string_array(r, count, key)
        if item_type not in _SCALARS:
            # GGUF has no arrays of arrays that llama.cpp reads, and no other item types.
            raise _MalformedError(
                f"the array {_q(key)} has items of type {item_type}, which cannot be read"
            )
        fmt, size = _SCALARS[item_type]
        if r.pos + count * size > r.size:
            raise _MalformedError(
                f"the array {_q(key)} ({count} items) runs past the end of the file"
            )
        if count > KEEP_ARRAY_ITEMS or not r.spend(count * _ITEM_COST):
            r.skip(count * size, f"the array {_q(key)}")
            return Skipped(item_type, count)
        return tuple(r.unpack(f"<{count}{fmt[1]}", count * size, f"the array {_q(key)}"))
    raise _MalformedError(f"{what} has type {vtype}, which GGUF does not define")


def _read_file(r: _Reader, path: Path) -> GGUFFile:
    magic = r.take(4, "the GGUF signature")
    if magic != GGUF_MAGIC:
        raise _MalformedError("it does not start with the GGUF signature, so it is not a GGUF file")
    version = r.u32("the version")
    if version not in (2, 3):
        raise _MalformedError(f"it is GGUF version {version}; versions 2 and 3 can be read")
    n_tensors = r.u64("the tensor count")
    n_kv = r.u64("the metadata count")
    if n_tensors > MAX_TENSORS:
        raise _MalformedError(f"it claims {n_tensors} tensors, more than the {MAX_TENSORS} allowed")
    if n_kv > MAX_KV:
        raise _MalformedError(f"it claims {n_kv} metadata entries, more than the {MAX_KV} allowed")

    metadata: dict[str, MetaValue] = {}
    for index in range(n_kv):
        key = r.string(f"metadata key #{index}", MAX_KEY_BYTES)
        vtype = r.u32(f"the type of {_q(key)}")
        metadata[key] = _read_value(r, vtype, key)

    tensors: list[TensorInfo] = []
    names: set[str] = set()
    for index in range(n_tensors):
        name = r.string(f"the name of tensor #{index}", MAX_TENSOR_NAME_BYTES)
        n_dims = r.u32(f"the dimension count of tensor {_q(name)}")
        if not 1 <= n_dims <= MAX_DIMS:
            raise _MalformedError(f"tensor {_q(name)} claims {n_dims} dimensions")
        shape = r.unpack(f"<{n_dims}Q", 8 * n_dims, f"the shape of tensor {_q(name)}")
        ggml_type = r.u32(f"the type of tensor {_q(name)}")
        offset = r.u64(f"the offset of tensor {_q(name)}")
        if math.prod(shape) >= 1 << 62:
            raise _MalformedError(f"tensor {_q(name)} claims an impossible shape {shape}")
        known = GGML_TYPES.get(ggml_type)
        if known is not None and shape[0] % known[1]:
            raise _MalformedError(
                f"tensor {_q(name)} has {shape[0]} columns, not a multiple of the "
                f"{known[1]}-value blocks of {known[0]}"
            )
        if name in names:
            raise _MalformedError(f"tensor {_q(name)} is described twice")
        names.add(name)
        tensors.append(TensorInfo(name, tuple(shape), ggml_type, offset))

    alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        shown = alignment if isinstance(alignment, int) else "not a number"
        raise _MalformedError(f"its general.alignment ({shown}) is not a power of two")
    data_offset = -(-r.pos // alignment) * alignment
    data_size = r.size - data_offset
    for t in tensors:
        n_bytes = t.n_bytes
        if n_bytes is not None and t.offset + n_bytes > data_size:
            raise _MalformedError(
                f"the data of tensor {_q(t.name)} lies beyond the end of the file "
                f"({r.size} bytes): the file is truncated, probably an unfinished download"
            )
    return GGUFFile(
        path=path,
        version=version,
        file_size=r.size,
        metadata=MappingProxyType(metadata),
        tensors=tuple(tensors),
        data_offset=data_offset,
    )


def read_gguf(path: Path) -> GGUFFile:
    """Parse the header, metadata and tensor descriptions of a GGUF file (not its data).

    Raises `ModelFileError` with one paragraph for people on a missing, unreadable or malformed
    file.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            return _read_file(_Reader(f, size), path)
    except _MalformedError as exc:
        raise ModelFileError(
            f"{path} cannot be used as a model: {exc}. Download or export the file again, or "
            "choose another GGUF model file."
        ) from None
    except FileNotFoundError:
        raise ModelFileError(
            f"Model file not found: {path}. Check the path, or leave the model unset to use the "
            "embedded default."
        ) from None
    except IsADirectoryError:
        raise ModelFileError(
            f"{path} is a folder, not a model file. Choose a .gguf file."
        ) from None
    except (OSError, ValueError, MemoryError) as exc:  # ValueError: a NUL in the path
        raise ModelFileError(f"Model file {path} cannot be read: {exc}.") from None


# -- interpretation ---------------------------------------------------------------------------


def _int_field(meta: Mapping[str, MetaValue], key: str) -> int | None:
    """An integer field; a per-layer array (some architectures) gives its largest entry."""
    value = meta.get(key)
    if isinstance(value, tuple):
        ints = [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
        return max(ints) if ints else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _quantisation(meta: Mapping[str, MetaValue], tensors: tuple[TensorInfo, ...]) -> str:
    file_type = _int_field(meta, "general.file_type")
    if file_type is not None:
        name = FILE_TYPES.get(file_type & ~_FILE_TYPE_GUESSED)
        if name:
            return name
    by_bytes: Counter[str] = Counter()
    for t in tensors:
        by_bytes[t.type_name] += t.n_bytes or t.n_elements
    return by_bytes.most_common(1)[0][0] if by_bytes else "unknown"


def describe(gguf: GGUFFile) -> GGUFInfo:
    meta = gguf.metadata
    arch_value = meta.get("general.architecture")
    arch = arch_value if isinstance(arch_value, str) else ""
    name_value = meta.get("general.name")
    name = name_value if isinstance(name_value, str) and name_value.strip() else gguf.path.stem
    sizes = [t.n_bytes for t in gguf.tensors]
    weights = (
        sum(s for s in sizes if s is not None)
        if None not in sizes
        else max(0, gguf.file_size - gguf.data_offset)
    )
    n_embd = _int_field(meta, f"{arch}.embedding_length")
    n_head = _int_field(meta, f"{arch}.attention.head_count")
    n_head_kv = _int_field(meta, f"{arch}.attention.head_count_kv") or n_head
    fallback_head_dim = n_embd // n_head if n_embd and n_head else None
    key_length = _int_field(meta, f"{arch}.attention.key_length") or fallback_head_dim
    value_length = _int_field(meta, f"{arch}.attention.value_length") or fallback_head_dim
    tokens = meta.get("tokenizer.ggml.tokens")
    if isinstance(tokens, Skipped):
        n_vocab: int | None = tokens.count
    elif isinstance(tokens, tuple):
        n_vocab = len(tokens)
    else:
        n_vocab = _int_field(meta, f"{arch}.vocab_size")
    template = meta.get("tokenizer.chat_template")
    return GGUFInfo(
        path=gguf.path,
        name=printable(name.strip()),
        architecture=printable(arch) or "unknown",
        parameters=sum(t.n_elements for t in gguf.tensors),
        quantisation=_quantisation(meta, gguf.tensors),
        file_size=gguf.file_size,
        weights_bytes=weights,
        context_length=_int_field(meta, f"{arch}.context_length"),
        n_layer=_int_field(meta, f"{arch}.block_count"),
        n_head_kv=n_head_kv,
        key_length=key_length,
        value_length=value_length,
        n_vocab=n_vocab,
        sliding_window=_int_field(meta, f"{arch}.attention.sliding_window") or None,
        has_chat_template=isinstance(template, Skipped)
        or (isinstance(template, str) and bool(template.strip())),
    )


def read_gguf_info(path: Path) -> GGUFInfo:
    """`describe(read_gguf(path))`: raises `ModelFileError` like `read_gguf`."""
    return describe(read_gguf(path))


# -- memory -----------------------------------------------------------------------------------


def estimate_memory(
    info: GGUFInfo, n_ctx: int, *, n_batch: int = DEFAULT_N_BATCH
) -> MemoryEstimate:
    """Memory to load `info` with a context of `n_ctx` tokens, as the app loads models.

    KV cache: f16 K and V for every layer over the whole context. Sliding-window layers are not
    made smaller because the app loads with `swa_full=True` (dropping a KV suffix needs it).
    Overhead: `OVERHEAD_BASE_BYTES`, the logits buffer of one batch (n_batch x n_vocab float32)
    and `OVERHEAD_FRACTION` of weights + cache for the activations in the compute buffer.
    """
    if n_ctx <= 0:
        raise ValueError(f"n_ctx must be positive, not {n_ctx}")
    per_token_per_layer = (info.n_head_kv or 0) * (
        (info.key_length or 0) + (info.value_length or 0)
    )
    kv = (info.n_layer or 0) * n_ctx * per_token_per_layer * KV_BYTES_PER_VALUE
    # llama.cpp allocates room for a whole batch of logits (256 MiB for Gemma 3's 262k
    # vocabulary) even though the app asks for the last token's only: counted, so the estimate
    # errs high rather than letting a model swap.
    logits = n_batch * (info.n_vocab or 0) * _LOGIT_BYTES
    overhead = OVERHEAD_BASE_BYTES + logits + int(OVERHEAD_FRACTION * (info.weights_bytes + kv))
    return MemoryEstimate(
        n_ctx=n_ctx,
        weights_bytes=info.weights_bytes,
        kv_bytes=kv,
        overhead_bytes=overhead,
        total_bytes=info.weights_bytes + kv + overhead,
    )


def _read_int(path: Path) -> int | None:
    """An integer file of /proc or /sys; None when absent, 'max' or unreadable."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _stat_value(path: Path, key: str) -> int:
    """The number after `key` in a "key value [unit]" file (meminfo, memory.stat); 0 if none."""
    try:
        for line in path.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0] == key and fields[1].isdigit():
                return int(fields[1])
    except OSError:
        pass
    return 0


def _cgroup_headroom(proc: Path, cgroup_root: Path) -> int | None:
    """Memory this process's cgroup may still take (limit - usage + reclaimable page cache);
    the tightest over the cgroup and its ancestors. None when no limit is set."""
    try:
        lines = (proc / "self" / "cgroup").read_text().splitlines()
    except OSError:
        lines = []
    v2_path = next((line[3:] for line in lines if line.startswith("0::")), None)
    v1_path = next(
        (
            line.split(":", 2)[2]
            for line in lines
            if line.count(":") >= 2 and "memory" in line.split(":", 2)[1].split(",")
        ),
        None,
    )
    candidates: list[tuple[Path, str, str, str, str]] = []
    if v2_path is not None:
        # Hybrid hosts mount the v2 hierarchy under unified/ beside the v1 controllers.
        for root in (cgroup_root, cgroup_root / "unified"):
            directory = root / v2_path.strip("/")
            # Ancestors limit too; inside a container the namespace root is the container.
            for d in (directory, *directory.parents):
                candidates.append(
                    (d, "memory.max", "memory.current", "memory.stat", "inactive_file")
                )
                if d == root:
                    break
    memory_v1 = cgroup_root / "memory"
    for d in dict.fromkeys((memory_v1 / (v1_path or "/").strip("/"), memory_v1)):
        candidates.append(
            (
                d,
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "memory.stat",
                "total_inactive_file",
            )
        )
    headrooms = []
    for d, limit_file, usage_file, stat_file, inactive_key in candidates:
        limit = _read_int(d / limit_file)
        # cgroup v1 writes "no limit" as a page-rounded 2**63.
        if limit is None or limit >= 1 << 60:
            continue
        usage = _read_int(d / usage_file) or 0
        # The kernel drops inactive page cache before it would kill for memory.
        usage -= min(usage, _stat_value(d / stat_file, inactive_key))
        headrooms.append(max(0, limit - usage))
    return min(headrooms) if headrooms else None


def available_memory_bytes(
    *, proc: Path = Path("/proc"), cgroup_root: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """Memory a new model could take now without swapping: MemAvailable, bounded by a cgroup
    (container) limit; the free pages from `os.sysconf` elsewhere; None when unknown.

    `proc` and `cgroup_root` are parameters so tests can point them at prepared folders.
    """
    available = _stat_value(proc / "meminfo", "MemAvailable:") * 1024 or None
    if available is None:
        try:
            pages, page_size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
            if pages > 0 and page_size > 0:
                available = pages * page_size
        except (ValueError, OSError, AttributeError):
            pass
    headroom = _cgroup_headroom(proc, cgroup_root)
    if headroom is not None:
        available = headroom if available is None else min(available, headroom)
    return available


def check_fits(
    info: GGUFInfo,
    n_ctx: int,
    available: int | None = None,
    *,
    n_batch: int = DEFAULT_N_BATCH,
) -> MemoryEstimate:
    """The memory estimate, or `ModelFileError` with the numbers when it exceeds `available`
    (default: `available_memory_bytes()`; when that is unknown nothing is refused)."""
    estimate = estimate_memory(info, n_ctx, n_batch=n_batch)
    if available is None:
        available = available_memory_bytes()
    if available is not None and estimate.total_bytes > available:
        raise ModelFileError(
            f"{info.name} does not fit in memory: at {n_ctx} tokens of context it needs about "
            f"{estimate.describe()} but only {format_bytes(available)} is free on this computer "
            "now. What to do: choose a smaller quantisation of the model (for example Q4_K_M "
            "instead of Q8_0) or a smaller model, use a smaller context, or close other "
            "programs to free memory."
        )
    return estimate
