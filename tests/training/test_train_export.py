"""Export helpers that need no model: converter extraction from an sdist, argument checks."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.train


def _sdist(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_converter_is_extracted_from_the_sdist_and_nothing_else(tmp_path: Path) -> None:
    from training.empath.export import _extract_converter

    root = "llama_cpp_python-9.9.9/vendor/llama.cpp/"
    sdist = _sdist(
        tmp_path / "s.tar.gz",
        {
            root + "convert_hf_to_gguf.py": "print('hi')",
            root + "conversion/__init__.py": "",
            root + "gguf-py/gguf/__init__.py": "",
            root + "src/llama.cpp": "int main;",
            "llama_cpp_python-9.9.9/setup.py": "",
            root + "../../../../escape.py": "bad",
        },
    )
    target = tmp_path / "out"
    _extract_converter(sdist, target)
    found = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert found == ["conversion/__init__.py", "convert_hf_to_gguf.py", "gguf-py/gguf/__init__.py"]
    assert not (tmp_path / "escape.py").exists()


def test_sdist_without_converter_is_an_error(tmp_path: Path) -> None:
    from training.empath.export import ExportError, _extract_converter

    sdist = _sdist(tmp_path / "s.tar.gz", {"x-1/vendor/llama.cpp/README.md": ""})
    with pytest.raises(ExportError, match="convert_hf_to_gguf"):
        _extract_converter(sdist, tmp_path / "out")


def test_bad_inputs_are_reported(tmp_path: Path) -> None:
    from training.empath.export import ExportError, ensure_converter, quantize

    with pytest.raises(ExportError, match="Q9_Z"):
        quantize(tmp_path / "a.gguf", tmp_path / "b.gguf", "Q9_Z")
    with pytest.raises(ExportError, match=r"has no convert_hf_to_gguf\.py"):
        ensure_converter(str(tmp_path))
