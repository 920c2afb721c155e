"""GGUF headers: the real embedded model, files written here, and hostile files.

Every malformed file must end in `ModelFileError` with a paragraph for people, never another
exception, and never a large allocation.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from empath_desktop.llm import gguf_info
from empath_desktop.llm.gguf_info import (
    GGUFInfo,
    Skipped,
    available_memory_bytes,
    check_fits,
    describe,
    estimate_memory,
    format_bytes,
    format_count,
    printable,
    read_gguf,
    read_gguf_info,
)
from empath_desktop.llm.model_files import ModelFileError

# -- a small GGUF writer (the format as the spec describes it) ---------------------------------

U8, I32, U32, F32, BOOL, STRING, ARRAY, U64 = 0, 5, 4, 6, 7, 8, 9, 10
F32_T, F16_T, Q4_K_T, Q8_0_T = 0, 1, 12, 8
_FMT = {U8: "<B", I32: "<i", U32: "<I", F32: "<f", BOOL: "<?", U64: "<Q"}


def gstr(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str, vtype: int, value: object, item_type: int | None = None) -> bytes:
    out = gstr(key) + struct.pack("<I", vtype)
    if vtype == STRING:
        return out + gstr(value)  # type: ignore[arg-type]
    if vtype == ARRAY:
        assert item_type is not None
        items = list(value)  # type: ignore[call-overload]
        out += struct.pack("<IQ", item_type, len(items))
        if item_type == STRING:
            return out + b"".join(gstr(v) for v in items)
        return out + b"".join(struct.pack(_FMT[item_type], v) for v in items)
    return out + struct.pack(_FMT[vtype], value)


def tensor(name: str, shape: tuple[int, ...], ggml_type: int, offset: int) -> bytes:
    return (
        gstr(name)
        + struct.pack("<I", len(shape))
        + struct.pack(f"<{len(shape)}Q", *shape)
        + struct.pack("<IQ", ggml_type, offset)
    )


def gguf_bytes(
    kvs: list[bytes],
    tensors: list[bytes],
    data: int = 0,
    *,
    magic: bytes = b"GGUF",
    version: int = 3,
    alignment: int = 32,
) -> bytes:
    head = magic + struct.pack("<IQQ", version, len(tensors), len(kvs))
    body = head + b"".join(kvs) + b"".join(tensors)
    pad = -len(body) % alignment
    return body + bytes(pad + data)


def tiny_model_bytes(vocab: int = 5000) -> bytes:
    """A llama-style header: 2 layers, GQA, a vocabulary big enough to be stepped over."""
    kvs = [
        kv("general.architecture", STRING, "llama"),
        kv("general.name", STRING, "Tiny Test"),
        kv("llama.context_length", U32, 2048),
        kv("llama.block_count", U32, 2),
        kv("llama.embedding_length", U32, 64),
        kv("llama.attention.head_count", U32, 8),
        kv("llama.attention.head_count_kv", U32, 2),
        kv("tokenizer.ggml.tokens", ARRAY, [f"t{i}" for i in range(vocab)], STRING),
        kv("tokenizer.ggml.scores", ARRAY, [0.0] * vocab, F32),
        kv("tokenizer.chat_template", STRING, "{% for m in messages %}{{ m.content }}{% endfor %}"),
        kv("general.tags", ARRAY, ["a", "b"], STRING),
    ]
    # 64x256 Q4_K = 64 blocks of 144 bytes; 64 F32 = 256 bytes.
    tensors = [
        tensor("blk.0.w", (256, 64), Q4_K_T, 0),
        tensor("norm", (64,), F32_T, 64 * 144),
    ]
    return gguf_bytes(kvs, tensors, data=64 * 144 + 256)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(tiny_model_bytes())
    return path


# -- the real embedded model -------------------------------------------------------------------


def test_embedded_model(default_model: Path) -> None:
    info = read_gguf_info(default_model)
    assert info.architecture == "gemma3"
    assert 260e6 < info.parameters < 275e6
    assert info.parameters_label == "268M"
    assert info.quantisation == "Q4_K_M"
    assert info.context_length == 32768
    assert info.n_layer == 18
    assert (info.n_head_kv, info.key_length, info.value_length) == (1, 256, 256)
    assert info.sliding_window == 512
    assert info.n_vocab == 262144
    assert info.file_size == default_model.stat().st_size
    assert 0.9 * info.file_size < info.weights_bytes < info.file_size
    assert info.name


def test_embedded_model_vocabulary_is_stepped_over(default_model: Path) -> None:
    gguf = read_gguf(default_model)
    tokens = gguf.metadata["tokenizer.ggml.tokens"]
    assert isinstance(tokens, Skipped) and tokens.count == 262144
    assert len(gguf.tensors) > 100
    assert gguf.data_offset % 32 == 0


def test_embedded_model_memory(default_model: Path) -> None:
    info = read_gguf_info(default_model)
    est = estimate_memory(info, 4096)
    # f16 K and V, 18 layers, 1 KV head of 256 + 256, every layer full size (swa_full).
    assert est.kv_bytes == 18 * 4096 * (256 + 256) * 2
    assert est.weights_bytes == info.weights_bytes
    assert est.total_bytes == est.weights_bytes + est.kv_bytes + est.overhead_bytes
    assert estimate_memory(info, 8192).kv_bytes == 2 * est.kv_bytes


# -- files written here ------------------------------------------------------------------------


def test_written_file(tiny: Path) -> None:
    info = read_gguf_info(tiny)
    assert info.name == "Tiny Test"
    assert info.architecture == "llama"
    assert info.parameters == 256 * 64 + 64
    # No general.file_type: the type holding most bytes names the quantisation.
    assert info.quantisation == "Q4_K"
    assert info.weights_bytes == 64 * 144 + 256
    assert (info.context_length, info.n_layer, info.n_head_kv) == (2048, 2, 2)
    # No key_length: embedding_length / head_count.
    assert info.key_length == info.value_length == 8
    assert info.n_vocab == 5000
    assert info.has_chat_template
    assert info.sliding_window is None
    gguf = read_gguf(tiny)
    assert gguf.metadata["general.tags"] == ("a", "b")
    assert [t.name for t in gguf.tensors] == ["blk.0.w", "norm"]
    assert gguf.tensors[0].type_name == "Q4_K"


def test_name_falls_back_to_the_file_stem_and_file_type_names_the_quantisation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "my-model.Q8_0.gguf"
    kvs = [kv("general.architecture", STRING, "qwen2"), kv("general.file_type", U32, 7)]
    path.write_bytes(gguf_bytes(kvs, [tensor("w", (32, 2), Q8_0_T, 0)], data=2 * 34))
    info = read_gguf_info(path)
    assert info.name == "my-model.Q8_0"
    assert info.quantisation == "Q8_0"
    assert not info.has_chat_template


def test_control_characters_in_names_are_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "evil.gguf"
    kvs = [kv("general.name", STRING, "Evil\x1b[2J\x1b]0;pwned\x07\u202eModel")]
    path.write_bytes(gguf_bytes(kvs, []))
    name = read_gguf_info(path).name
    assert "\x1b" not in name and "\x07" not in name and "\u202e" not in name
    assert name.startswith("Evil") and name.endswith("Model")


# -- hostile files -----------------------------------------------------------------------------


def assert_refused(path: Path, *fragments: str) -> str:
    with pytest.raises(ModelFileError) as caught:
        read_gguf_info(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message  # one paragraph
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_truncated_at_every_byte_of_the_header(tmp_path: Path) -> None:
    data = tiny_model_bytes(vocab=3)
    path = tmp_path / "cut.gguf"
    header_end = len(data) - (64 * 144 + 256)
    for cut in range(header_end):
        path.write_bytes(data[:cut])
        assert_refused(path)


def test_truncated_tensor_data(tmp_path: Path) -> None:
    path = tmp_path / "partial.gguf"
    path.write_bytes(tiny_model_bytes()[:-100])
    assert_refused(path, "truncated")


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_bytes([], [], magic=b"GGML", data=64))
    assert_refused(path, "not a GGUF file")


@pytest.mark.parametrize("version", [1, 4, 0xFFFFFFFF])
def test_unsupported_version(tmp_path: Path, version: int) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_bytes([], [], version=version, data=64))
    assert_refused(path, f"version {version}")


def test_huge_string_length(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    evil = gstr("general.name") + struct.pack("<IQ", STRING, 1 << 62) + b"x" * 64
    path.write_bytes(gguf_bytes([evil], []))
    assert_refused(path, "bytes long")


def test_string_longer_than_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    evil = gstr("general.name") + struct.pack("<IQ", STRING, 1 << 20) + b"x" * 64
    path.write_bytes(gguf_bytes([evil], []))
    assert_refused(path, "truncated")


def test_huge_key_length(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_bytes([struct.pack("<Q", (1 << 64) - 1) + b"k" * 64], []))
    assert_refused(path, "metadata key #0")


@pytest.mark.parametrize("count", [(1 << 64) - 1, 1 << 40, 1 << 27])
@pytest.mark.parametrize("item_type", [STRING, F32, U8])
def test_array_count_overflow(tmp_path: Path, count: int, item_type: int) -> None:
    path = tmp_path / "model.gguf"
    evil = gstr("tokenizer.ggml.tokens") + struct.pack("<IIQ", ARRAY, item_type, count)
    path.write_bytes(gguf_bytes([evil + bytes(256)], []))
    assert_refused(path, "tokenizer.ggml.tokens")


def test_nested_and_unknown_types(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    nested = gstr("x") + struct.pack("<IIQ", ARRAY, ARRAY, 1) + struct.pack("<IQ", U8, 0)
    path.write_bytes(gguf_bytes([nested], []))
    assert_refused(path, "'x'")
    path.write_bytes(gguf_bytes([gstr("y") + struct.pack("<I", 99) + bytes(8)], []))
    assert_refused(path, "type 99")


@pytest.mark.parametrize(("field", "value"), [("n_tensors", 1 << 40), ("n_kv", (1 << 64) - 1)])
def test_huge_counts(tmp_path: Path, field: str, value: int) -> None:
    path = tmp_path / "model.gguf"
    n_tensors, n_kv = (value, 0) if field == "n_tensors" else (0, value)
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + bytes(64))
    assert_refused(path, "claims")


def test_bad_tensor_descriptions(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    cases = [
        ([tensor("w", (1, 1, 1, 1, 1), F32_T, 0)], "5 dimensions"),
        ([tensor("w", (1 << 32, 1 << 32), F32_T, 0)], "impossible shape"),
        ([tensor("w", (33,), Q4_K_T, 0)], "multiple"),
        ([tensor("w", (8,), F32_T, 0), tensor("w", (8,), F32_T, 32)], "described twice"),
        ([tensor("w", (8,), F32_T, 1 << 50)], "beyond the end"),
    ]
    for tensors, fragment in cases:
        path.write_bytes(gguf_bytes([], tensors, data=64))
        assert_refused(path, fragment)


def test_bad_alignment(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_bytes([kv("general.alignment", U32, 24)], [], data=64))
    assert_refused(path, "power of two")


def test_not_a_file(tmp_path: Path) -> None:
    assert_refused(tmp_path / "missing.gguf", "not found")
    with pytest.raises(ModelFileError, match="folder"):
        read_gguf_info(tmp_path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_bytes_give_model_file_error_or_a_result(tmp_path_factory, data) -> None:
    original = bytearray(tiny_model_bytes(vocab=20))
    header_end = len(original) - (64 * 144 + 256)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, header_end - 1))
        original[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(original)))
    path = tmp_path_factory.mktemp("fuzz") / "model.gguf"
    path.write_bytes(bytes(original[:cut]))
    try:
        info = read_gguf_info(path)
    except ModelFileError as exc:
        assert str(exc)
    else:
        assert isinstance(info, GGUFInfo)


# -- memory ------------------------------------------------------------------------------------


def test_check_fits_refuses_with_numbers(default_model: Path) -> None:
    info = read_gguf_info(default_model)
    est = check_fits(info, 4096, available=100 * 10**9)
    assert est.total_bytes < 100 * 10**9
    with pytest.raises(ModelFileError) as caught:
        check_fits(info, 4096, available=100 * 10**6)
    message = str(caught.value)
    assert format_bytes(est.total_bytes) in message
    assert format_bytes(est.weights_bytes) + " weights" in message
    assert "KV cache for 4096 tokens" in message
    assert "100 MB is free" in message
    assert "smaller quantisation" in message and "close other programs" in message


def test_check_fits_without_knowing_free_memory(tiny: Path, monkeypatch) -> None:
    monkeypatch.setattr(gguf_info, "available_memory_bytes", lambda: None)
    est = check_fits(read_gguf_info(tiny), 2048)
    assert est.total_bytes > 0


def test_estimate_is_linear_in_context(tiny: Path) -> None:
    info = read_gguf_info(tiny)
    # 2 layers x 2 KV heads x (8 + 8) x f16
    assert estimate_memory(info, 100).kv_bytes == 2 * 100 * 2 * 16 * 2
    with pytest.raises(ValueError):
        estimate_memory(info, 0)


def fake_system(
    root: Path, meminfo_kb: int | None, cgroup: str, files: dict[str, str]
) -> tuple[Path, Path]:
    proc, sys_cgroup = root / "proc", root / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    if meminfo_kb is not None:
        (proc / "meminfo").write_text(
            f"MemTotal:       32000000 kB\nMemAvailable:   {meminfo_kb} kB\n"
        )
    for name, text in files.items():
        (sys_cgroup / name).parent.mkdir(parents=True, exist_ok=True)
        (sys_cgroup / name).write_text(text)
    return proc, sys_cgroup


def test_available_memory_from_meminfo(tmp_path: Path) -> None:
    proc, cg = fake_system(tmp_path, 4_000_000, "0::/\n", {})
    assert available_memory_bytes(proc=proc, cgroup_root=cg) == 4_000_000 * 1024


def test_available_memory_bounded_by_cgroup_v2(tmp_path: Path) -> None:
    files = {
        "app.slice/memory.max": "2000000000\n",
        "app.slice/memory.current": "1500000000\n",
        "app.slice/memory.stat": "anon 1000000000\ninactive_file 300000000\n",
        "memory.max": "max\n",
    }
    proc, cg = fake_system(tmp_path, 8_000_000, "0::/app.slice\n", files)
    # limit - (usage - reclaimable cache)
    assert available_memory_bytes(proc=proc, cgroup_root=cg) == 800_000_000


def test_available_memory_bounded_by_cgroup_v1(tmp_path: Path) -> None:
    files = {
        "memory/memory.limit_in_bytes": "1000000000\n",
        "memory/memory.usage_in_bytes": "400000000\n",
    }
    proc, cg = fake_system(tmp_path, 8_000_000, "4:memory:/\n", files)
    assert available_memory_bytes(proc=proc, cgroup_root=cg) == 600_000_000
    # "No limit" in v1 is a huge number, not a limit.
    (cg / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert available_memory_bytes(proc=proc, cgroup_root=cg) == 8_000_000 * 1024


def test_available_memory_without_proc(tmp_path: Path) -> None:
    proc, cg = fake_system(tmp_path, None, "", {})
    value = available_memory_bytes(proc=proc, cgroup_root=cg)
    assert value is None or value > 0


# -- text --------------------------------------------------------------------------------------


def test_formatting() -> None:
    assert format_count(268_098_176) == "268M"
    assert format_count(1_240_000_000) == "1.2B"
    assert format_count(70_600_000_000) == "71B"
    assert format_bytes(253_113_024) == "253 MB"
    assert format_bytes(1_900_000_000) == "1.9 GB"
    assert format_bytes(75_497_472) == "75.5 MB"
    assert format_bytes(512) == "512 B"
    assert printable("a\x1b[31mb") == "a\ufffd[31mb"
    assert len(printable("x" * 500, 40)) == 40


def test_describe_tolerates_odd_metadata(tmp_path: Path) -> None:
    path = tmp_path / "odd.gguf"
    kvs = [
        kv("general.architecture", U32, 7),  # not a string
        kv("general.name", STRING, "   "),
        kv("x.block_count", STRING, "many"),
    ]
    path.write_bytes(gguf_bytes(kvs, []))
    info = describe(read_gguf(path))
    assert info.architecture == "unknown"
    assert info.name == "odd"
    assert info.quantisation == "unknown"
    assert estimate_memory(info, 4096).kv_bytes == 0


def test_kept_values_are_bounded_whatever_the_file_claims(tmp_path: Path) -> None:
    """Many arrays just under the keep limit: later ones are stepped over, not built."""
    path = tmp_path / "many.gguf"
    n_arrays = gguf_info.KEEP_BUDGET_BYTES // (4096 * gguf_info._ITEM_COST) + 5
    kvs = [kv(f"a{i}", ARRAY, [1] * 4096, U8) for i in range(n_arrays)]
    path.write_bytes(gguf_bytes(kvs, []))
    meta = read_gguf(path).metadata
    assert meta["a0"] == (1,) * 4096
    assert meta[f"a{n_arrays - 1}"] == Skipped(U8, 4096)


def test_long_tensor_name_and_nul_in_path(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(gguf_bytes([], [tensor("w" * 1000, (8,), F32_T, 0)], data=64))
    assert_refused(path, "the name of tensor #0")
    with pytest.raises(ModelFileError, match="cannot be read"):
        read_gguf_info(tmp_path / "bad\0name.gguf")
