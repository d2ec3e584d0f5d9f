"""`ecsotel canary`: the synthetic check's own script against an app, and the zip of it.

The script (infra/canary/todo-canary.js) is what CloudWatch Synthetics runs on AWS;
here Node.js runs its command-line entry point, which makes the same checks. The zip
is what Terraform uploads: built here, byte for byte the same on every machine (fixed
timestamps and modes), so a test can tell when the committed one is stale.
"""

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

from ecsotel.paths import CANARY_SCRIPT, CANARY_ZIP

# Node.js canaries load their handler from this folder of the zip (User Guide,
# "Packaging your Node.js canary files").
ZIP_FOLDER = "nodejs/node_modules"
# The zip format's earliest date: no build time leaks into the bytes.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# The check makes five requests, each allowed 10 s by the script.
TIMEOUT_S = 60


def zip_bytes(script: Path = CANARY_SCRIPT) -> bytes:
    """The zip Terraform uploads: the script alone, at nodejs/node_modules/<name>."""
    entry = zipfile.ZipInfo(f"{ZIP_FOLDER}/{script.name}", date_time=FIXED_TIME)
    entry.external_attr = 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, script.read_bytes())
    return buffer.getvalue()


def write_zip() -> Path:
    """Rebuild the committed zip from the script."""
    CANARY_ZIP.write_bytes(zip_bytes())
    return CANARY_ZIP


def check(base_url: str, script: Path = CANARY_SCRIPT) -> tuple[bool, str]:
    """Run the script's checks against `base_url`: whether they passed, and what it printed."""
    node = shutil.which("node") or "node"
    result = subprocess.run(
        [node, str(script), base_url],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    return result.returncode == 0, (result.stdout + result.stderr).strip()
