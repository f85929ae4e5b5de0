"""Render the first page of the sample report to docs/images/bao-cao-trang-1.png (visual check of the layout).

    python scripts/render_report_image.py [-o docs/images/bao-cao-trang-1.png] [--dpi 100] [--keep DIR]

The sample is seed 002 (Báo cáo 405/BC-UBND ngày 17/8/2023 của UBND huyện Điện Biên): the report is made
with xl_tthc.report, converted to PDF by LibreOffice (headless, with its own profile folder so that it can
run beside an open LibreOffice) and the first page is rasterised with pdftoppm (poppler-utils).
Needs: soffice (libreoffice-writer-nogui), pdftoppm, fonts-liberation2 (metric-compatible with Times New Roman).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xl_tthc.report import ReportMeta, consolidation_from_document, write_report  # noqa: E402

SAMPLE = ROOT / "xl_tthc" / "sample_data" / "seed002_sv459.json"
TARGET = ROOT / "docs" / "images" / "bao-cao-trang-1.png"
SAMPLE_META = ReportMeta(
    issuer="UBND HUYỆN ĐIỆN BIÊN",
    place="Điện Biên",
    date=date(2023, 8, 17),
    number="405/BC-UBND",
    signer="Bùi Hải Bình",
)


class ToolMissing(RuntimeError):
    pass


def tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftoppm = shutil.which("pdftoppm")
    if not soffice:
        raise ToolMissing("soffice not found (apt-get install libreoffice-writer-nogui)")
    if not pdftoppm:
        raise ToolMissing("pdftoppm not found (apt-get install poppler-utils)")
    return soffice, pdftoppm


def docx_to_pdf(docx: Path, outdir: Path, *, timeout: float = 120) -> Path:
    """Convert with LibreOffice headless, using a throw-away profile folder."""
    soffice, _ = tools()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xl_tthc-lo-") as profile:
        proc = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    pdf = outdir / (docx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice could not convert {docx}: {proc.stdout} {proc.stderr}")
    return pdf


def pdf_page_png(pdf: Path, png: Path, *, page: int = 1, dpi: int = 100) -> Path:
    _, pdftoppm = tools()
    png.parent.mkdir(parents=True, exist_ok=True)
    stem = png.with_suffix("")
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return png


def sample_report(out: Path) -> Path:
    consolidation, stated = consolidation_from_document(json.loads(SAMPLE.read_text("utf-8")))
    SAMPLE_META.stated = stated
    return write_report(consolidation, out, SAMPLE_META)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render page 1 of the sample report to PNG.")
    ap.add_argument("-o", "--output", type=Path, default=TARGET)
    ap.add_argument("--dpi", type=int, default=100)
    ap.add_argument("--keep", type=Path, help="also keep the .docx and .pdf in this folder")
    args = ap.parse_args(argv)
    try:
        tools()
    except ToolMissing as exc:
        print(f"cannot render: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="xl_tthc-report-") as tmp:
        work = args.keep or Path(tmp)
        docx = sample_report(work / "bao-cao-mau.docx")
        pdf = docx_to_pdf(docx, work)
        pdf_page_png(pdf, args.output, dpi=args.dpi)
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
