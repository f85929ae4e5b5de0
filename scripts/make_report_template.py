"""Build the docxtpl template of the draft report: xl_tthc/report_templates/bao_cao.docx.

    python scripts/make_report_template.py            # (re)write the template
    python scripts/make_report_template.py --check    # exit 1 if the committed file is not what this builds

Layout of Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New
Roman; two-column header (issuing body in upper case with a short rule under it; Quốc hiệu and Tiêu ngữ with
a rule); "Số: …"; place and date in italics; title "BÁO CÁO" and the subject line; justified body with a
first-line indent; "Nơi nhận" and the signature block; the page number centred at the top from page 2; the
appendix in a landscape section.

Every template tag (``{{ … }}``, ``{%p … %}``, ``{%tr … %}``, ``{%tc … %}``) is typed in one run, as docxtpl
requires. The output is byte-for-byte reproducible (fixed document properties and zip timestamps), so CI can
check that the committed template matches this script. Officers may edit the template in Word; keep the tags.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "xl_tthc" / "report_templates" / "bao_cao.docx"
FONT = "Times New Roman"
APPENDIX_TABLE = "xl_tthc:phu_luc"  # must match xl_tthc.report.APPENDIX_TABLE

LEFT, CENTER, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


# ---------------------------------------------------------------------------- low-level helpers


def set_fonts(rpr: Any, name: str = FONT) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(key), name)


def setup_styles(doc: Any) -> None:
    # document defaults: Times New Roman 14 pt everywhere, no theme fonts
    rpr_default = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    set_fonts(rpr_default)
    for tag in ("w:sz", "w:szCs"):
        el = rpr_default.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr_default.append(el)
        el.set(qn("w:val"), "28")
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr_default.append(lang)
    lang.set(qn("w:val"), "vi-VN")
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    set_fonts(normal.element.get_or_add_rPr())
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    for style_name in ("Table Grid", "Header"):
        st = doc.styles[style_name]
        set_fonts(st.element.get_or_add_rPr())


def para(
    container: Any,
    *runs: str | tuple[str, dict[str, Any]],
    align: Any = JUSTIFY,
    size: float | None = None,
    bold: bool = False,
    italic: bool = False,
    indent: bool = False,
    before: float = 0,
    after: float = 0,
    keep_next: bool = False,
) -> Any:
    """A paragraph; each run is a string or (string, {"bold": …, "italic": …, "size": …})."""
    p = container.add_paragraph()
    p.alignment = align
    pf = p.paragraph_format
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if indent:
        pf.first_line_indent = Mm(12.7)
    if keep_next:
        pf.keep_with_next = True
    for item in runs:
        text, fmt = (item, {}) if isinstance(item, str) else item
        r = p.add_run(text)
        r.bold = fmt.get("bold", bold) or None
        r.italic = fmt.get("italic", italic) or None
        s = fmt.get("size", size)
        if s:
            r.font.size = Pt(s)
    return p


def tag(container: Any, text: str) -> Any:
    """A paragraph that only holds a ``{%p … %}`` tag (docxtpl removes the whole paragraph)."""
    p = container.add_paragraph()
    p.add_run(text)
    return p


def rule(container: Any, left_mm: float, right_mm: float, before: float = 0) -> Any:
    """A short horizontal rule: an empty 1 pt paragraph with a bottom border, narrowed by indents."""
    p = container.add_paragraph()
    p.alignment = CENTER
    pf = p.paragraph_format
    pf.left_indent = Mm(left_mm)
    pf.right_indent = Mm(right_mm)
    pf.space_before = Pt(before)
    pf.space_after = Pt(0)
    pf.line_spacing = Pt(2)
    ppr = p._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    # pBdr must come before spacing/ind/jc in CT_PPr order
    anchor = ppr.find(qn("w:spacing"))
    if anchor is None:
        anchor = ppr.find(qn("w:ind"))
    if anchor is not None:
        anchor.addprevious(bdr)
    else:
        ppr.append(bdr)
    r = p.add_run()
    r.font.size = Pt(1)
    return p


def first_paragraph(cell: Any) -> Any:
    """Re-use the empty paragraph python-docx puts in each new cell."""
    return cell.paragraphs[0]


def cell_para(cell: Any, *runs: str | tuple[str, dict[str, Any]], first: bool = False, **kw: Any) -> Any:
    if first:
        p = first_paragraph(cell)
        p.alignment = kw.get("align", CENTER)
        pf = p.paragraph_format
        pf.space_before = Pt(kw.get("before", 0))
        pf.space_after = Pt(kw.get("after", 0))
        for item in runs:
            text, fmt = (item, {}) if isinstance(item, str) else item
            r = p.add_run(text)
            r.bold = fmt.get("bold", kw.get("bold", False)) or None
            r.italic = fmt.get("italic", kw.get("italic", False)) or None
            s = fmt.get("size", kw.get("size"))
            if s:
                r.font.size = Pt(s)
        return p
    kw.setdefault("align", CENTER)
    return para(cell, *runs, **kw)


def fix_widths(table: Any, widths_mm: list[float], indent_mm: float = 0) -> None:
    """Fixed layout with w:gridCol and w:tcW on every cell (LibreOffice ignores widths otherwise)."""
    tbl = table._tbl
    tbl_pr = tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(sum(twips(w) for w in widths_mm)))
    tbl_w.set(qn("w:type"), "dxa")
    if indent_mm:
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(twips(indent_mm)))
        ind.set(qn("w:type"), "dxa")
        tbl_pr.append(ind)
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(twips(w)))
    for tr in tbl.findall(qn("w:tr")):
        pos = 0
        for tc in tr.findall(qn("w:tc")):
            tc_pr = tc.get_or_add_tcPr()
            span_el = tc_pr.find(qn("w:gridSpan"))
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            tc_w = tc_pr.find(qn("w:tcW"))
            if tc_w is None:
                tc_w = OxmlElement("w:tcW")
                tc_pr.insert(0, tc_w)
            tc_w.set(qn("w:w"), str(sum(twips(w) for w in widths_mm[pos : pos + span])))
            tc_w.set(qn("w:type"), "dxa")
            pos += span


def reorder_tblpr(table: Any) -> None:
    """Put w:tblPr children in schema order (Word is strict about it)."""
    order = [
        "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
        "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook",
        "tblCaption", "tblDescription",
    ]  # fmt: skip
    tbl_pr = table._tbl.tblPr
    children = list(tbl_pr)
    for c in children:
        tbl_pr.remove(c)
    children.sort(key=lambda c: order.index(c.tag.split("}")[1]) if c.tag.split("}")[1] in order else 99)
    for c in children:
        tbl_pr.append(c)


def no_borders(table: Any) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def cell_margins(table: Any, left_mm: float, right_mm: float) -> None:
    mar = OxmlElement("w:tblCellMar")
    for side, mm in (("left", left_mm), ("right", right_mm)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips(mm)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def caption(table: Any, text: str) -> None:
    cap = OxmlElement("w:tblCaption")
    cap.set(qn("w:val"), text)
    table._tbl.tblPr.append(cap)


def repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    tr_pr.append(el)


def cant_split(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def page_number(paragraph: Any, size: float = 13) -> None:
    """A PAGE field (complex field: begin, instrText, separate, result, end)."""

    def run_with(child: Any) -> None:
        r = paragraph.add_run()
        r.font.size = Pt(size)
        r._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    r = paragraph.add_run("2")
    r.font.size = Pt(size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


# ---------------------------------------------------------------------------- the document


def build_document() -> Any:
    doc = Document()
    setup_styles(doc)
    cp = doc.core_properties
    cp.author = "xl_tthc"
    cp.last_modified_by = "xl_tthc"
    cp.title = "Báo cáo kết quả chấm điểm (mẫu)"
    cp.subject = "Mẫu báo cáo theo Nghị định 30/2020/NĐ-CP"
    cp.comments = "Tạo bằng scripts/make_report_template.py; các thẻ trong ngoặc nhọn là chỗ chương trình điền số liệu."
    cp.created = cp.modified = datetime(2024, 1, 1)
    cp.revision = 1
    cp.keywords = "xl_tthc"

    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)
    sec.left_margin, sec.right_margin = Mm(30), Mm(15)
    sec.header_distance, sec.footer_distance = Mm(10), Mm(10)
    sec.different_first_page_header_footer = True
    hp = sec.header.paragraphs[0]
    hp.alignment = CENTER
    page_number(hp)

    body = doc  # paragraphs are added to the document body

    # ---- header table: issuing body | national title; number | place and date
    head = doc.add_table(rows=2, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    no_borders(head)
    cell_margins(head, 1, 1)
    left_w, right_w = 72.0, 106.0
    c = head.cell(0, 0)
    tag(c, "{%p if issuer_parent %}")
    cell_para(c, "{{ issuer_parent }}", size=13)
    tag(c, "{%p endif %}")
    cell_para(c, "{{ issuer_line1 }}", size=13, bold=True)
    tag(c, "{%p if issuer_line2 %}")
    cell_para(c, "{{ issuer_line2 }}", size=13, bold=True)
    tag(c, "{%p endif %}")
    rule(c, 24, 24, before=1)
    c._tc.remove(c.paragraphs[0]._p)  # drop the cell's initial empty paragraph
    c = head.cell(0, 1)
    cell_para(c, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=True, size=13, bold=True)
    cell_para(c, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True)
    rule(c, 21, 21, before=1)
    cell_para(head.cell(1, 0), "Số: ", ("{{ number_text }}", {}), first=True, size=13, before=6)
    cell_para(head.cell(1, 1), "{{ place_date }}", first=True, size=14, italic=True, before=6)
    for row in head.rows:
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    fix_widths(head, [left_w, right_w], indent_mm=-7)
    reorder_tblpr(head)

    # ---- title
    para(body, "BÁO CÁO", align=CENTER, bold=True, size=14, before=18)
    para(body, "{{ subject }}", align=CENTER, bold=True, size=14)
    rule(body, 62, 62, before=4)

    # ---- body
    def text(*runs: str | tuple[str, dict[str, Any]], **kw: Any) -> Any:
        kw.setdefault("indent", True)
        kw.setdefault("before", 6)
        return para(body, *runs, **kw)

    def heading(*runs: str | tuple[str, dict[str, Any]], **kw: Any) -> Any:
        kw.setdefault("bold", True)
        kw.setdefault("keep_next", True)
        return text(*runs, **kw)

    para(body, "", before=6)
    tag(body, "{%p for b in basis %}")
    text("{{ b }}", italic=True)
    tag(body, "{%p endfor %}")
    text("{{ opening }}")

    heading("{{ sec.results }}", ". Kết quả đánh giá, xếp loại")
    tag(body, "{%p for lv in levels %}")
    heading("{{ lv.heading }}", italic=True)
    text("{{ lv.intro }}")
    tag(body, "{%p for line in lv.lines %}")
    text("{{ line }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p endfor %}")
    text("(Chi tiết tại Phụ lục kèm theo)", italic=True)

    tag(body, "{%p if comparison %}")
    heading("{{ sec.comparison }}", ". So sánh với ", ("{{ comparison.previous_text }}", {"bold": True}))
    tag(body, "{%p for line in comparison.lines %}")
    text("{{ line }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p endif %}")

    tag(body, "{%p if par %}")
    heading("{{ sec.par }}", ". Phân tích kết quả Chỉ số cải cách hành chính")
    tag(body, "{%p if par_ranking %}")
    text("Xếp hạng các đơn vị theo tổng điểm:")
    tag(body, "{%p for line in par_ranking %}")
    text("{{ line }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p endif %}")
    tag(body, "{%p for a in par %}")
    tag(body, "{%p if par|length > 1 %}")
    heading("{{ a.heading }}", italic=True)
    tag(body, "{%p endif %}")
    tag(body, "{%p for line in a.lines %}")
    text("{{ line }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p if a.fields %}")
    text("Các lĩnh vực còn mất điểm, từ nhiều đến ít:", keep_next=True)
    par_table(doc)
    tag(body, "{%p endif %}")
    tag(body, "{%p for line in a.after %}")
    text("{{ line }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p endif %}")

    heading("{{ sec.weak }}", ". Tồn tại, hạn chế")
    tag(body, "{%p for w in weaknesses %}")
    text("{{ w }}")
    tag(body, "{%p endfor %}")
    tag(body, "{%p if not weaknesses %}")
    text("Theo các chỉ số đã chấm điểm, chưa phát hiện tồn tại, hạn chế cần nêu.")
    tag(body, "{%p endif %}")

    tag(body, "{%p if findings %}")
    heading("{{ sec.findings }}", ". Số liệu cần chỉnh sửa trong các tệp chấm điểm")
    text("Khi tính lại từ số liệu gốc, một số số liệu các đơn vị ghi trong tệp chấm điểm chưa đúng:")
    tag(body, "{%p for f in findings %}")
    text("- ", ("{{ f }}", {}))
    tag(body, "{%p endfor %}")
    tag(body, "{%p endif %}")

    heading("{{ sec.proposals }}", ". Đề xuất, đề nghị")
    tag(body, "{%p for p in proposals %}")
    text("{{ p }}")
    tag(body, "{%p endfor %}")
    text("Trên đây là Báo cáo ", ("{{ subject_lower }}", {}), "./.")

    # ---- recipients and signature
    sign = doc.add_table(rows=1, cols=2)
    no_borders(sign)
    cell_margins(sign, 1, 1)
    left = sign.cell(0, 0)
    cell_para(left, "Nơi nhận:", first=True, align=LEFT, size=12, bold=True, italic=True, before=12)
    tag(left, "{%p for r in recipients %}")
    para(left, "- ", ("{{ r }}", {}), align=LEFT, size=11)
    tag(left, "{%p endfor %}")
    right = sign.cell(0, 1)
    cell_para(right, "{{ signer_authority }}", first=True, size=14, bold=True, before=12)
    cell_para(right, "{{ signer_title }}", size=14, bold=True)
    for _ in range(4):
        cell_para(right, "", size=14)
    cell_para(right, "{{ signer }}", size=14, bold=True)
    fix_widths(sign, [80, 88], indent_mm=-1)
    reorder_tblpr(sign)
    cant_split(sign.rows[0])

    # ---- appendix: landscape section
    new = doc.add_section(WD_SECTION.NEW_PAGE)
    new.orientation = WD_ORIENT.LANDSCAPE
    new.page_width, new.page_height = Mm(297), Mm(210)
    new.top_margin, new.bottom_margin = Mm(20), Mm(15)
    new.left_margin, new.right_margin = Mm(20), Mm(15)
    new.different_first_page_header_footer = False
    para(body, "Phụ lục", align=CENTER, bold=True, size=14)
    para(body, "{{ appendix_title }}", align=CENTER, bold=True, size=13)
    para(body, "{{ appendix_reference }}", align=CENTER, italic=True, size=13, after=6)
    appendix_table(doc)
    tag(body, "{%p if appendix.note %}")
    para(body, "{{ appendix.note }}", align=LEFT, italic=True, size=11, before=6)
    tag(body, "{%p endif %}")
    return doc


def par_table(doc: Any) -> None:
    t = doc.add_table(rows=4, cols=5)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    heads = ["STT", "Lĩnh vực", "Điểm tối đa", "Điểm đạt", "Điểm chưa đạt"]
    for i, h in enumerate(heads):
        cell_para(t.cell(0, i), h, first=True, size=12, bold=True, before=2, after=2)
    repeat_header(t.rows[0])
    cell_para(t.cell(1, 0), "{%tr for f in a.fields %}", first=True, size=12)
    vals = ["{{ f.stt }}", "{{ f.title }}", "{{ f.max }}", "{{ f.achieved }}", "{{ f.lost }}"]
    for i, v in enumerate(vals):
        cell_para(t.cell(2, i), v, first=True, size=12, align=LEFT if i == 1 else CENTER, before=2, after=2)
    cant_split(t.rows[2])
    cell_para(t.cell(3, 0), "{%tr endfor %}", first=True, size=12)
    fix_widths(t, [12, 89, 22, 22, 22])
    reorder_tblpr(t)


def appendix_table(doc: Any) -> None:
    """Columns: STT | Tên đơn vị | {%tc for %} | score | {%tc endfor %} | Tổng điểm | Quy đổi | Xếp loại."""
    t = doc.add_table(rows=8, cols=8)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    caption(t, APPENDIX_TABLE)
    hs = 10  # header size
    ds = 11  # data size

    def put(r: int, col: int, textv: str, *, size: float = ds, bold: bool = False, align: Any = CENTER) -> None:
        cell_para(t.cell(r, col), textv, first=True, size=size, bold=bold, align=align, before=1, after=1)

    # header row 1 and 2
    put(0, 0, "STT", size=hs, bold=True)
    put(0, 1, "Tên đơn vị", size=hs, bold=True)
    put(0, 2, "{%tc for g in appendix.groups %}", size=hs)
    put(0, 3, "{% colspan g.span %}", size=hs, bold=True)
    run = t.cell(0, 3).paragraphs[0].add_run("{{ g.title }}")
    run.bold, run.font.size = True, Pt(hs)
    put(0, 4, "{%tc endfor %}", size=hs)
    put(0, 5, "Tổng điểm đạt được", size=hs, bold=True)
    put(0, 6, "Tổng điểm quy đổi", size=hs, bold=True)
    put(0, 7, "Xếp loại", size=hs, bold=True)
    put(1, 2, "{%tc for c in appendix.columns %}", size=hs)
    put(1, 3, "{{ c }}", size=hs, bold=True)
    put(1, 4, "{%tc endfor %}", size=hs)
    for col in (0, 1, 5, 6, 7):
        t.cell(0, col).merge(t.cell(1, col))
    for r in (0, 1):
        repeat_header(t.rows[r])
        for cell in t.rows[r].cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    # section loop
    put(2, 0, "{%tr for s in appendix.sections %}")
    section = t.cell(3, 0).merge(t.cell(3, 7))
    cell_para(section, "{% colspan appendix.ncols %}", first=True, size=ds, bold=True, align=LEFT, before=1, after=1)
    run = section.paragraphs[0].add_run("{{ s.title }}")
    run.bold, run.font.size = True, Pt(ds)
    put(4, 0, "{%tr for r in s.rows %}")
    put(5, 0, "{{ r.stt }}")
    put(5, 1, "{{ r.name }}", align=LEFT)
    put(5, 2, "{%tc for v in r.scores %}")
    put(5, 3, "{{ v }}")
    put(5, 4, "{%tc endfor %}")
    put(5, 5, "{{ r.total }}")
    put(5, 6, "{{ r.quy_doi }}")
    put(5, 7, "{{ r.band }}")
    cant_split(t.rows[5])
    put(6, 0, "{%tr endfor %}")
    put(7, 0, "{%tr endfor %}")
    # widths for a person opening the template; the report sets them again for the real column count
    fix_widths(t, [11, 47, 4, 24, 4, 21, 16, 22])
    reorder_tblpr(t)


# ---------------------------------------------------------------------------- reproducible output


def normalised_zip(data: bytes) -> bytes:
    """Same entries, fixed timestamps and order-preserving: identical bytes for identical content."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def build_bytes() -> bytes:
    doc = build_document()
    buf = io.BytesIO()
    doc.save(buf)
    return normalised_zip(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--check", action="store_true", help="only check that the committed template is current")
    ap.add_argument("-o", "--output", type=Path, default=TARGET)
    args = ap.parse_args(argv)
    data = build_bytes()
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print(f"{args.output} is out of date: run python scripts/make_report_template.py", file=sys.stderr)
            return 1
        print(f"{args.output} is current")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
