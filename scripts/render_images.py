"""Render page 1 of every template and every filled sample to PNG in ``docs/images/`` (LibreOffice headless).

Also the seeds' samples with only their inputs typed into the templates and no value cached: every figure in
those pictures (``*_LibreOffice_tu_tinh.png``) was computed by the templates' formulas in LibreOffice, no Python.

    .venv/bin/python scripts/render_images.py [--out docs/images] [--dpi 80]

Needs ``soffice`` (libreoffice-calc-nogui) and ``pdftoppm`` (poppler-utils). LibreOffice runs with a dedicated
profile (``-env:UserInstallation``) that forces recalculation on load (``OOXMLRecalcMode=0``, so no stale cached
value survives) and uses the Vietnamese locale (decimal comma, as officers see the figures). The helpers here
are also used by ``tests/test_libreoffice.py``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_tthc.fill import fill_workbook  # noqa: E402
from xl_tthc.io.templates import build_templates  # noqa: E402

REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>vi-VN</value></prop></item>
</oor:items>
"""
TIMEOUT = 300


def tools_missing() -> list[str]:
    return [t for t in ("soffice", "pdftoppm") if shutil.which(t) is None]


def profile(directory: Path) -> str:
    """A LibreOffice user profile that recalculates on load; returns its ``file://`` URL."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(REGISTRY, encoding="utf-8")
    return directory.resolve().as_uri()


def convert(files: Iterable[Path], fmt: str, out_dir: Path, profile_url: str) -> list[Path]:
    """``soffice --headless --convert-to fmt`` for many files in one process; returns the converted paths."""
    files = list(files)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        "soffice",
        f"-env:UserInstallation={profile_url}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(out_dir),
        *map(str, files),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=TIMEOUT)
    ext = fmt.split(":")[0]
    out = [out_dir / f"{f.stem}.{ext}" for f in files]
    missing = [p.name for p in out if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {', '.join(missing)}")
    return out


def png_page1(pdf: Path, png: Path, dpi: int = 80) -> Path:
    """Page 1 of ``pdf`` as ``png`` (pdftoppm adds the page number; we rename)."""
    png.parent.mkdir(parents=True, exist_ok=True)
    base = png.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(base)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT,
    )
    return png


def filled_samples(out_dir: Path) -> list[Path]:
    """Fill every committed sample into ``out_dir`` ("<stem> - đã tính điểm.xlsx")."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        fill_workbook(p, out_dir / f"{p.stem} - đã tính điểm.xlsx").output
        for p in sorted((ROOT / "workbooks" / "samples").glob("*.xlsx"))
    ]


def libreoffice_only(out_dir: Path) -> list[Path]:
    """The seeds' samples with only their inputs typed ("<stem> - LibreOffice tự tính.xlsx"): the output cells hold
    formulas and nothing else, so what a viewer shows after LibreOffice opened them is the formulas' work."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import recalc_check

    out_dir.mkdir(parents=True, exist_ok=True)
    books = recalc_check.sample_books(out_dir / "inputs")
    return [
        Path(shutil.copyfile(b.path, out_dir / f"{b.path.stem} - LibreOffice tự tính.xlsx"))
        for b in books
        if b.path is not None
    ]


def image_name(xlsx: Path) -> str:
    """ASCII PNG name: "Vi_du_X - đã tính điểm.xlsx" → "Vi_du_X_da_tinh_diem.png"."""
    stem = xlsx.stem.replace(" - đã tính điểm", "_da_tinh_diem").replace(" - LibreOffice tự tính", "_LibreOffice_tu_tinh")
    return stem + ".png"


def render_all(out: Path, dpi: int) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="xl_tthc-render-") as tmp:
        work = Path(tmp)
        books = (
            build_templates(work / "templates")
            + filled_samples(work / "filled")
            + libreoffice_only(work / "libreoffice")
        )
        pdfs = convert(books, "pdf", work / "pdf", profile(work / "profile"))
        return [png_page1(pdf, out / image_name(book), dpi) for book, pdf in zip(books, pdfs, strict=True)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args()
    missing = tools_missing()
    if missing:
        print(f"Thiếu công cụ: {', '.join(missing)} (cài libreoffice-calc-nogui và poppler-utils).", file=sys.stderr)
        return 2
    for path in render_all(args.out, args.dpi):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
