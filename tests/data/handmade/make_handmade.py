"""Type the appendix of seed 002 (Báo cáo 405/BC-UBND ngày 17/8/2023 của UBND huyện Điện Biên) into a workbook.

The layout is the one an officer makes by hand, as in the seed: merged group headers over the indicator columns,
the maxima in the headers ("Chỉ số 1 (5đ)"), section rows "I"/"II", blank spacer rows, numbers typed as text
("4,81", "8.32", "58,69/85"), "-" for indicators that do not apply, band names wrapped over two lines, and a
"Lưu ý" footer. The values below are typed from the seed text, row by row, exactly as printed (including the
seed's own mistakes: 58,69 for 58,94; 11,5 above the maximum of 10; 93,06 truncated).

    .venv/bin/python tests/data/handmade/make_handmade.py          # writes phu_luc_405_thang7_2023.xlsx
    .venv/bin/python tests/data/handmade/make_handmade.py --ods    # and the .ods via LibreOffice (soffice)

The committed files are the output of this script; it is deterministic (fixed document properties).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

HERE = Path(__file__).resolve().parent
XLSX = HERE / "phu_luc_405_thang7_2023.xlsx"
ODS = HERE / "phu_luc_405_thang7_2023.ods"

TITLE = (
    "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP TRONG GIẢI QUYẾT TTHC, DVC THEO THỜI "
    "GIAN THỰC HIỆN TRÊN MÔI TRƯỜNG ĐIỆN TỬ HUYỆN ĐIỆN BIÊN THÁNG 7 NĂM 2023"
)
SUBTITLE = "(Kèm theo Báo cáo số 405 /BC-UBND ngày 17 tháng 8 năm 2023 của UBND huyện Điện Biên)"

# STT, name, 11 indicators (1.1 1.2 1.3 2.1 3.1 3.2 4.1 4.2 5.1 5.2 5.3), tổng điểm đạt được, quy đổi, xếp loại
AGENCIES = [
    (1, "Trung tâm QLĐĐ", "-", "4,81", "-", "23,45", "5,16", "5,60", "1,26", "5,33", 5, 5, "3,33", "58,69/85", "69,34", "Trung\nbình"),
    (2, "Phòng Tư pháp", "-", "4,81", "-", "28,24", "8.32", "7,18", "0,25", "8,32", 5, 5, "3,33", "70,45/85", "82,88", "Tốt"),
    (3, "Phòng Nội vụ", "-", "4,81", "-", "13,96", "-", "-", 0, "4,05", 5, 5, "3,33", "36,15/65", "55,61", "Trung\nbình"),
    (4, "Phòng Lao động - Thương binh và Xã hội", "-", "4,81", "-", 30, 10, "-", "1,66", 10, 5, 5, "3,33", "69,8/75", "93,06", "Xuất\nsắc"),
    (5, "Phòng Kinh tế và Hạ tầng", "-", "4,81", "-", 30, 10, 10, 5, 10, 5, 5, "3,33", "83,14/85", "97,81", "Xuất\nsắc"),
]
COMMUNES = [
    (1, "UBND xã Hua Thanh", "-", "4,81", "-", 30, 10, 0, 0, "0,7", 5, 5, 5, "60,51", "71,19", "Khá"),
    (2, "UBND xã Hẹ Muông", "-", "4,81", "-", 30, 10, 0, 0, "0,4", 5, 5, 5, "60,21", "70,84", "Khá"),
    (3, "UBND xã Mường Lói", "-", "4,81", "-", 0, 0, 0, 0, 0, 5, 5, 5, "19,81", "23,31", "Yếu"),
    (4, "UBND xã Mường Nhà", "-", "4,81", "-", 30, 10, "3,48", 5, "2,6", 5, 5, 5, "70,89", "83,40", "Tốt"),
    (5, "UBND xã Mường Pồn", "-", "4,81", "-", 30, 10, 0, "4,93", 8, 5, 5, 5, "72,74", "85,58", "Tốt"),
    None,  # a page break in the seed: the officer left a blank row
    (6, "UBND xã Na Tông", "-", "4,81", "-", 0, 0, 0, 0, 0, 5, 5, 5, "19,81", "23,31", "Yếu"),
    (7, "UBND xã Na Ư", "-", "4,81", "-", 30, 10, 0, 1, "1,7", 5, 5, 5, "62,51", "73,54", "Khá"),
    (8, "UBND xã Noong Hẹt", "-", "4,81", "-", "26,67", 10, "5,39", "3,5", 1, 5, 5, 5, "66,37", "78,08", "Khá"),
    (9, "UBND xã Noong Luống", "-", "4,81", "-", 30, 10, 0, 5, 1, 5, 5, 5, "65,81", "77,42", "Khá"),
    (10, "UBND xã Núa Ngam", "-", "4,81", "-", "29,71", 10, "4,81", "4,79", "11,5", 5, 5, 5, "80,62", "94,85", "XS"),
    (11, "UBND xã Pa Thơm", "-", "4,81", "-", 30, 10, "1,5", "4,76", "2,1", 5, 5, 5, "68,17", "80,20", "Tốt"),
    (12, "UBND xã Phu Luông", "-", "4,81", "-", 30, 10, 0, 5, "0,4", 5, 5, 5, "65,21", "76,72", "Khá"),
    (13, "UBND xã Pom Lót", "-", "4,81", "-", 30, "9,41", "2,12", "4,33", "3,6", 5, 5, 5, "69,27", "81,49", "Tốt"),
    (14, "UBND xã Sam Mứn", "-", "4,81", "-", 30, 10, "6,67", "4,17", "1,2", 5, 5, 5, "71,85", "84,53", "Tốt"),
    (15, "UBND xã Thanh An", "-", "4,81", "-", 30, "9,72", "0,31", "4,76", "4,2", 5, 5, 5, "68,8", "80,94", "Tốt"),
    (16, "UBND xã Thanh Chăn", "-", "4,81", "-", 30, 10, 0, "4,84", "3,1", 5, 5, 5, "67,75", "79,71", "Khá"),
    (17, "UBND xã Thanh Hưng", "-", "4,81", "-", "29,06", 10, "0,61", "4,12", "3,4", 5, 5, 5, "67", "78,82", "Khá"),
    (18, "UBND xã Thanh Luông", "-", "4,81", "-", 30, 10, "1,25", "4,87", "3,8", "3,33", "3,33", "3,33", "64,72", "76,14", "Khá"),
    (19, "UBND xã Thanh Nưa", "-", "4,81", "-", 0, 0, 0, 0, 0, 5, 5, 5, "19,81", "23,31", "Yếu"),
    (20, "UBND xã Thanh Xương", "-", "4,81", "-", "27,86", 10, "3,33", "3,75", "1,6", 5, 5, 5, "66,35", "78,06", "Khá"),
    (21, "UBND xã Thanh Yên", "-", "4,81", "-", "29,66", 10, "0,12", "1,73", "8,8", 5, 5, 5, "70,12", "82,49", "Tốt"),
]
FOOTER = [
    "Lưu ý:",
    "- Các chỉ số đánh giá bởi dấu (-) là nhiệm vụ các cơ quan, đơn vị, UBND các xã không phải thực hiện hoặc chưa đến "
    "thời điểm báo cáo;",
    "- Các chữ viết tắt: XS - Xuất sắc, TB - Trung bình./.",
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    font = Font(name="Times New Roman", size=11)
    bold = Font(name="Times New Roman", size=11, bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(vertical="center", wrap_text=True)

    ws["A1"] = "Phụ lục"
    ws.merge_cells("A1:P1")
    ws["A2"] = TITLE
    ws.merge_cells("A2:P2")
    ws["A3"] = SUBTITLE
    ws.merge_cells("A3:P3")
    for ref in ("A1", "A2", "A3"):
        ws[ref].font = Font(name="Times New Roman", size=12, bold=ref != "A3", italic=ref == "A3")
        ws[ref].alignment = center
    ws.row_dimensions[2].height = 45

    # three header rows with merged group headers
    heads = {
        "A5": "STT", "B5": "TÊN ĐƠN VỊ", "C5": "ĐIỂM CÁC CHỈ SỐ", "N5": "TỔNG ĐIỂM ĐẠT ĐƯỢC",
        "O5": "TỔNG ĐIỂM QUY ĐỔI", "P5": "XẾP LOẠI",
        "C6": "Nhóm công khai, minh bạch", "F6": "Tiến độ, KQ giải quyết (30đ)", "G6": "Cung cấp DVCTT",
        "I6": "Số hóa hồ sơ", "K6": "Mức độ hài lòng",
        "C7": "Chỉ số 1 (5đ)", "D7": "Chỉ số 2 (5đ)", "E7": "Chỉ số 3 (10đ)", "G7": "Chỉ số 1 (10đ)",
        "H7": "Chỉ số 2 (10đ)", "I7": "Chỉ số 1 (5đ)", "J7": "Chỉ số 2 (10đ)", "K7": "Chỉ số 1 (5đ)",
        "L7": "Chỉ số 2 (5đ)", "M7": "Chỉ số 3 (5đ)",
    }  # fmt: skip
    for ref, text in heads.items():
        ws[ref] = text
    for rng in ("A5:A7", "B5:B7", "C5:M5", "N5:N7", "O5:O7", "P5:P7", "C6:E6", "F6:F7", "G6:H6", "I6:J6", "K6:M6"):
        ws.merge_cells(rng)
    for row in ws.iter_rows(min_row=5, max_row=7, max_col=16):
        for cell in row:
            cell.font, cell.alignment, cell.border = bold, center, box
    for r in (5, 6, 7):
        ws.row_dimensions[r].height = 30

    r = 8

    def section(roman: str, text: str) -> None:
        nonlocal r
        ws.cell(r, 1, roman)
        ws.cell(r, 2, text)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=16)
        for c in range(1, 17):
            ws.cell(r, c).font, ws.cell(r, c).border = bold, box
        r += 1

    def units(rows: list[tuple[object, ...] | None]) -> None:
        nonlocal r
        for row in rows:
            if row is not None:
                for c, v in enumerate(row, start=1):
                    cell = ws.cell(r, c, v)
                    cell.font, cell.border = font, box
                    cell.alignment = left if c == 2 else center
            r += 1

    section("I", "CÁC CƠ QUAN CHUYÊN MÔN THUỘC HUYỆN")
    units(list(AGENCIES))
    r += 1  # blank spacer row between the sections
    section("II", "UBND CÁC XÃ")
    units(list(COMMUNES))
    r += 1
    for line in FOOTER:
        ws.cell(r, 1, line).font = Font(name="Times New Roman", size=11, italic=True)
        r += 1

    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 30
    for col in "CDEFGHIJKLM":
        ws.column_dimensions[col].width = 7.5
    for col in "NOP":
        ws.column_dimensions[col].width = 10
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    wb.properties.creator = "Văn phòng HĐND-UBND huyện"
    wb.properties.created = wb.properties.modified = datetime(2023, 8, 17, 8, 0, 0)
    wb.save(path)
    _normalise_zip(path)
    return path


def _normalise_zip(path: Path) -> None:
    """Fixed timestamps in the zip entries, so that running the script twice gives the same bytes."""
    with zipfile.ZipFile(path) as zin:
        items = [(i.filename, zin.read(i)) for i in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=(2023, 8, 17, 8, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


def to_ods(xlsx: Path, ods: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("cần LibreOffice (soffice) để tạo tệp .ods")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "ods", "--outdir", tmp, str(xlsx)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.copyfile(Path(tmp) / (xlsx.stem + ".ods"), ods)
    return ods


# ---------------------------------------------------------------------------- seed 001 and seed 004 (test time)

SEED001_LEVELS = {
    "1": ("Tổng thời gian giải quyết hồ sơ thủ tục hành chính", "2", "1.132", "1,91", [
        ("Trước hạn so với thời gian quy định", 2, "1.033"), ("Đúng hạn so với thời gian quy định", 1, 99),
        ("Trễ hạn so với thời gian quy định", 0, 0)]),
    "2": ("Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết thủ tục hành chính", "2", "1.132", "1,91", [
        ("Trước hạn so với thời gian quy định", 2, "1.033"), ("Đúng hạn so với thời gian quy định", 1, 99),
        ("Trễ hạn so với thời gian quy định", 0, 0)]),
    "3": ("Số lần tổ chức, cá nhân phải liên hệ để hoàn thiện hồ sơ thủ tục hành chính (kể cả theo hình thức trực tuyến)",
          "2", "1.132", "2,00", [("Không phải liên hệ lần nào", 2, "1.132"), ("Chỉ liên hệ một lần", 1, 0),
                                 ("Phải liên hệ hơn một lần (trừ trường hợp nguyên nhân do lỗi của người nộp hồ sơ)", 0, 0)]),
    "4": ("Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ thủ tục hành chính (kể cả theo hình thức "
          "trực tuyến)", "2", "1.132", "2,00", [
        ("Tổ chức, cá nhân không phải liên hệ với cơ quan, đơn vị, tổ chức nào để hoàn thiện hồ sơ thủ tục hành chính", 2, "1.132"),
        ("Tổ chức, cá nhân phải liên hệ với một cơ quan, đơn vị, tổ chức là bộ phận một cửa để hoàn thiện hồ sơ TTHC", 1, 0),
        ("Tổ chức, cá nhân phải liên hệ với hơn một cơ quan, đơn vị, tổ chức để hoàn thiện hồ sơ thủ tục hành chính", 0, 0)]),
    "5": ("Thái độ của cán bộ, công chức, viên chức khi giải quyết thủ tục hành chính", "2", "1.132", "1,91", [
        ("Giải quyết hồ sơ TTHC sớm hơn thời hạn quy định và không có ý kiến phản ánh, kiến nghị", 2, "1.033"),
        ("Giải quyết hồ sơ TTHC đúng thời hạn quy định và không có ý kiến phản ánh, kiến nghị", 1, 99),
        ("Có ý kiến phản ánh, kiến nghị về hành vi, thái độ những nhiều, gây phiền hà", 0, 0)]),
    "6": ("Tổ chức tiếp nhận hồ sơ, giải quyết, trả kết quả tại Bộ phận Tiếp nhận và Trả kết quả", "2", None, "2", [
        ("100% TTHC thực hiện tiếp nhận, trả kết quả tại Bộ phận Tiếp nhận và Trả kết quả", 2, "x"),
        ("Từ 90 % đến dưới 100% TTHC thực hiện tiếp nhận, trả kết quả tại Bộ phận Tiếp nhận và Trả kết quả", 1, None),
        ("Dưới 90% TTHC thực hiện tiếp nhận, trả kết quả tại Bộ phận Tiếp nhận và Trả kết quả", 0, None)]),
    "7": ("Công khai các thủ tục hành chính", "2", None, "2", [
        ("Công khai chính xác, đầy đủ, kịp thời bằng cả hai hình thức niêm yết và điện tử", 2, "x"),
        ("Công khai chính xác, đầy đủ, kịp thời bằng một trong hai hình thức niêm yết hoặc điện tử", 1, None),
        ("Không được công khai chính xác, đầy đủ, kịp thời", 0, None)]),
    "8": ("Tiếp thu, giải trình đối với các ý kiến phản ánh, kiến nghị của tổ chức, cá nhân", "2", None, "2", [
        ("Không có phản ánh, kiến nghị hoặc 100% phản ánh, kiến nghị được xử lý đúng thời hạn", 2, "x"),
        ("Tối thiểu từ 90% phản ánh, kiến nghị trở lên được xử lý đúng thời hạn", 1, None),
        ("Dưới 90% phản ánh, kiến nghị được xử lý đúng thời hạn theo quy định", 0, None)]),
    "9": ("Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến của cơ quan có thẩm quyền", "2", None, "1", [
        ("Tối thiểu 20% TTHC đáp ứng yêu cầu được đưa vào triển khai dịch vụ công trực tuyến mức độ 3, 4", 2, None),
        ("Có triển khai dịch vụ công trực tuyến mức độ 3, 4 đối với TTHC đáp ứng yêu cầu", 1, "x"),
        ("Không triển khai dịch vụ công trực tuyến mức độ 3, 4", 0, None)]),
}  # fmt: skip
SEED001_HEADER = ("STT", "Tiêu chí/Tiêu chí thành phần", "Điểm tối đa", "Số lượng hồ sơ", "Điểm tự đánh giá", "Ghi chú")


def write_seed001_annex(path: Path) -> Path:
    """The annex of seed 001 (UBND cấp huyện, Quý II/2021) typed as printed, with its page-break header rows.

    The metadata lines are single cells ("Tổng số hồ sơ đã tiếp nhận trong kỳ: 1.147"); numbers are text as typed.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    rows: list[list[object]] = [
        ["ĐÁNH GIÁ VIỆC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH\nCỦA UBND HUYỆN ĐIỆN BIÊN, TỈNH ĐIỆN BIÊN"],
        ["(Kèm theo Báo cáo số 205/BC-UBND ngày 22/6/2021 của UBND huyện Điện Biên)"],
        [],
        ["Kỳ đánh giá: Quý II, Năm 2021"],
        ["Đơn vị: UBND CẤP HUYỆN"],
        ["Tổng số hồ sơ đã tiếp nhận trong kỳ: 1.147"],
        ["Tổng hồ sơ đã giải quyết trong kỳ: 1.132"],
        [],
        list(SEED001_HEADER),
        [f"({i})" for i in range(1, 7)],
        [None, "TỔNG ĐIỂM", "18,0", None, "16,74", None],
    ]
    for code, (title, mx, n, stated, levels) in SEED001_LEVELS.items():
        if code in {"5", "9"}:
            rows.append(list(SEED001_HEADER))  # the header printed again after a page break
        note = "Đang giải quyết trong hạn 15 hồ sơ" if code == "1" else None
        rows.append([int(code), title, mx, n, stated, note])
        for label, pts, v in levels:
            if int(code) <= 5:
                rows.append([None, label, pts, v, None, None])
            else:
                rows.append([None, label, pts, None, v, None])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_seed004_par(path: Path, data_json: Path) -> Path:
    """The PAR table of seed 004 (UBND tỉnh Điện Biên, 2020) from the transcribed input document."""
    import json

    from xl_tthc.core.framework import get

    doc = json.loads(data_json.read_text(encoding="utf-8"))
    unit = doc["units"][0]
    data = unit["data"]
    fw = get(doc["framework"])
    wb = Workbook()
    ws = wb.active
    ws.title = "PAR INDEX 2020"
    ws.append(["BẢNG TỰ ĐÁNH GIÁ, CHẤM ĐIỂM VÀ THẨM ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2020"])
    ws.append(["Đơn vị: UBND tỉnh Điện Biên"])
    ws.append([])
    ws.append(["STT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Điểm chuẩn", "Điểm tự đánh giá", "Giải trình",
               "Điểm thẩm định", "Ý kiến hội đồng thẩm định"])  # fmt: skip

    def dec(v: object) -> object:
        return str(v).replace(".", ",") if isinstance(v, float) else v

    for node in fw.nodes():
        if node.is_leaf:
            row = data["rows"].get(node.code, {})
            values = [row.get("self"), row.get("explanation"), row.get("appraised"), row.get("council_opinion")]
        else:
            st = data["stated"].get(node.code, {})
            values = [st.get("self"), None, st.get("appraised"), None]
        title = node.title.upper() if "." not in node.code else node.title
        ws.append([node.code, title, dec(node.max), dec(values[0]), values[1], dec(values[2]), values[3]])
    tot = data["stated"]["total"]
    ws.append([None, "TỔNG ĐIỂM", 100, dec(tot["self"]), None, dec(tot["appraised"]), None])
    wb.save(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ods", action="store_true", help="also write the .ods version with LibreOffice")
    ap.add_argument("--out", type=Path, default=XLSX)
    args = ap.parse_args()
    build(args.out)
    print(args.out)
    if args.ods:
        print(to_ods(args.out, args.out.with_suffix(".ods")))


if __name__ == "__main__":
    main()
