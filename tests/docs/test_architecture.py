"""docs/architecture.py draws the architecture diagram (Graphviz's dot must be installed)."""

import shutil
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk follows the signature)."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_script_draws_a_png_at_the_path_it_is_given(tmp_path: Path) -> None:
    assert shutil.which("dot"), "Graphviz is missing: apt-get install graphviz"
    output = tmp_path / "diagram.png"

    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "architecture.py"), str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    width, height = png_size(output)
    assert width > 800
    assert height > 800


def test_committed_diagram_is_a_png_shown_in_the_readme() -> None:
    png_size(ROOT / "docs" / "architecture.png")
    assert "docs/architecture.png" in (ROOT / "README.md").read_text()
