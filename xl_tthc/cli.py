"""The ``xl-tthc`` command: a thin shell over the core (and over the workbook shells in ``xl_tthc.io``).

Exit codes: 0 = done, no data errors; 1 = done, the data has findings of severity "error";
2 = unusable input (missing or unreadable file, wrong format) – a Vietnamese message, never a traceback;
141 = the reader of the output went away (``xl-tthc validate DIR | head``): the command stops quietly, as a command
killed by SIGPIPE does in a shell (128 + 13).
Heavy modules are imported inside the sub-commands so that ``xl-tthc score`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from xl_tthc._version import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_UNUSABLE = 0, 1, 2
EXIT_PIPE_CLOSED = 141


class UserError(Exception):
    """Shown to the user as is (Vietnamese), exit code 2."""


class _VietnameseHelp(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "Cách dùng: ")


_ARGPARSE_VI = (  # argparse's own English error messages, as officers should read them
    (re.compile(r"the following arguments are required: (.*)"), "thiếu tham số bắt buộc: {0}"),
    (
        re.compile(r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.*)\)"),
        "{0}: không có lựa chọn «{1}» (chọn một trong: {2})",
    ),
    (re.compile(r"argument (\S+): expected one argument"), "{0}: cần một giá trị đi kèm"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.*)"), "{0}: giá trị {2} không hợp lệ"),
    (re.compile(r"unrecognized arguments: (.*)"), "không hiểu tham số: {0}"),
)


class _Parser(argparse.ArgumentParser):
    """argparse with Vietnamese usage, help headings and error messages (exit code 2, no traceback)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _VietnameseHelp)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        for pattern, text in _ARGPARSE_VI:
            m = pattern.search(message)
            if m:
                message = text.format(*m.groups())
                break
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"Lỗi: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="xl-tthc",
        description="Chấm điểm TTHC, Bộ chỉ số phục vụ người dân, doanh nghiệp (766) và Chỉ số CCHC.",
    )
    p.add_argument("--version", action="version", version=f"xl_tthc {__version__}", help="hiện phiên bản rồi thoát")
    p.add_argument(
        "--frameworks",
        metavar="THƯ_MỤC",
        action="append",
        default=[],
        help="thư mục chứa thêm tệp khung chấm điểm (quyết định của tỉnh)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="LỆNH", parser_class=_Parser, title="các lệnh")

    s = sub.add_parser("score", help="chấm điểm từ tệp JSON đầu vào (giao diện máy)")
    s.add_argument(
        "input", metavar="TỆP_JSON", help="tệp JSON theo định dạng xl-tthc/input (dùng - để đọc từ bàn phím/stdin)"
    )
    s.add_argument("--format", choices=["json", "table"], default="json", help="json (mặc định) hoặc bảng tiếng Việt")
    s.add_argument("-o", "--output", metavar="ĐƯỜNG_DẪN", help="ghi kết quả vào tệp thay vì in ra màn hình")

    f = sub.add_parser("frameworks", help="liệt kê các khung chấm điểm đang có")
    f.add_argument("--json", action="store_true", help="in dạng JSON")

    t = sub.add_parser("templates", help="tạo các biểu mẫu Excel chính thức từ khung chấm điểm")
    t.add_argument("-o", "--output", metavar="ĐƯỜNG_DẪN", required=True, help="thư mục ghi biểu mẫu")

    fl = sub.add_parser("fill", help="«Tính điểm» trên tệp Excel đã nhập số liệu (không cần Excel)")
    fl.add_argument("file", metavar="TỆP", help="tệp .xlsx, .xlsm, .xls hoặc .ods")
    fl.add_argument("-o", "--output", metavar="ĐƯỜNG_DẪN", help="tệp kết quả (mặc định: <tên tệp> - đã tính điểm.xlsx)")
    fl.add_argument("--in-place", action="store_true", help="ghi đè lên chính tệp đầu vào (ghi an toàn)")
    fl.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    _framework_option(fl)

    dm = sub.add_parser(
        "demo", help="chạy thử toàn bộ quy trình trên dữ liệu mẫu (tạo tệp, tính điểm, tổng hợp, báo cáo)"
    )
    dm.add_argument(
        "-o", "--output", metavar="ĐƯỜNG_DẪN", default="demo-output", help="thư mục ghi kết quả (mặc định: demo-output)"
    )

    ba = sub.add_parser("build-addin", help="đóng gói add-in xl_tthc.xlam (nút «Tính điểm» trên ribbon)")
    ba.add_argument("-o", "--output", metavar="ĐƯỜNG_DẪN", required=True, help="thư mục ghi tệp xl_tthc.xlam")

    bw = sub.add_parser("bundle-windows", help="tạo bộ cài Windows (Python riêng, không cần quyền quản trị) và gói .zip")
    bw.add_argument("-o", "--output", metavar="THƯ_MỤC", required=True, help="thư mục ghi bộ cài và gói .zip")
    bw.add_argument("--cache", metavar="THƯ_MỤC", help="thư mục giữ các gói đã tải (mặc định: .cache/bundle-windows)")

    rp = sub.add_parser("report", help="soạn dự thảo báo cáo (.docx, thể thức Nghị định 30/2020/NĐ-CP)")
    rp.add_argument("input", metavar="TỆP_JSON", help="tệp JSON xl-tthc/input (sẽ chấm điểm) hoặc xl-tthc/result")
    rp.add_argument("-o", "--output", metavar="ĐƯỜNG_DẪN", required=True, help="tệp báo cáo .docx cần ghi")
    rp.add_argument("--period", help="kỳ báo cáo, ví dụ 2023-07, 2021-Q1, 2019 (mặc định: kỳ ghi trong tệp)")
    rp.add_argument("--history", metavar="DB", help="tệp lịch sử SQLite: ghi kết quả kỳ này và so sánh với kỳ trước")
    rp.add_argument("--issuer", default="ỦY BAN NHÂN DÂN", help="cơ quan ban hành, ví dụ «UBND HUYỆN ĐIỆN BIÊN»")
    rp.add_argument("--place", help="địa danh ghi trước ngày tháng, ví dụ «Điện Biên»")
    rp.add_argument("--date", help="ngày báo cáo, dạng NĂM-THÁNG-NGÀY (2023-08-17)")
    rp.add_argument("--number", help="số, ký hiệu văn bản, ví dụ «405/BC-UBND»")
    rp.add_argument("--signer", help="họ và tên người ký")

    v = sub.add_parser("validate", help="kiểm tra mọi tệp Excel/LibreOffice trong một thư mục (không ghi gì)")
    v.add_argument("dir", metavar="THƯ_MỤC", help="thư mục chứa tệp của các đơn vị (đọc cả thư mục con)")
    v.add_argument("--period", metavar="KỲ", help="kỳ đánh giá, ví dụ 2023-07, 2021-Q2, «Quý II năm 2021»")
    _batch_options(v)

    c = sub.add_parser("consolidate", help="tổng hợp kết quả các đơn vị trong một thư mục ra tệp Excel")
    c.add_argument("dir", metavar="THƯ_MỤC", help="thư mục chứa tệp của các đơn vị (đọc cả thư mục con)")
    c.add_argument("-o", "--output", required=True, metavar="TONG_HOP.xlsx", help="tệp tổng hợp sẽ ghi")
    c.add_argument("--roster", metavar="TỆP", help="danh sách đơn vị phải nộp (.xlsx/.csv, cột «Tên đơn vị», «Cấp»)")
    c.add_argument("--period", metavar="KỲ", help="kỳ tổng hợp, ví dụ 2023-07, 2021-Q2; tệp kỳ khác bị loại")
    c.add_argument("--history", metavar="DB", help="tệp lịch sử SQLite: lưu kỳ này và so sánh với kỳ trước")
    c.add_argument("--report", metavar="BAO_CAO.docx", help="ghi thêm dự thảo báo cáo (.docx, thể thức NĐ 30/2020)")
    c.add_argument("--issuer", default="ỦY BAN NHÂN DÂN", help="cơ quan ban hành báo cáo, ví dụ «UBND HUYỆN ĐIỆN BIÊN»")
    c.add_argument("--place", help="địa danh ghi trước ngày tháng của báo cáo")
    _batch_options(c)
    return p


def _framework_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--framework",
        metavar="MÃ_KHUNG",
        help="khung chấm điểm cho bảng tự lập khớp nhiều khung (xem «xl-tthc frameworks»); "
        "cũng có thể ghi «Khung chấm điểm: <mã>» vào một ô phía trên bảng",
    )


def _batch_options(p: argparse.ArgumentParser) -> None:
    _framework_option(p)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="số tiến trình đọc tệp song song (mặc định: số nhân CPU, tối đa 8)",
    )
    p.add_argument("--quiet", action="store_true", help="không hiện thanh tiến độ")


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is shown escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        # https://docs.python.org/3/library/signal.html#note-on-sigpipe: the rest of the output goes nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    return code


def _main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from xl_tthc import api

    try:
        api.use_frameworks(args.frameworks)
        handler = {
            "score": _score,
            "frameworks": _frameworks,
            "templates": _templates,
            "fill": _fill,
            "report": _report,
            "validate": _validate,
            "consolidate": _consolidate,
            "build-addin": _build_addin,
            "bundle-windows": _bundle_windows,
            "demo": _demo,
        }[args.command]
        return handler(args)
    except BrokenPipeError:
        raise
    except (UserError, api.Error) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # a programmer error: log the trace, show a short message
        path = _log_exception(exc)
        print(f"Lỗi không mong muốn: {exc.__class__.__name__}. Chi tiết kỹ thuật đã ghi vào {path}.", file=sys.stderr)
        return EXIT_UNUSABLE


def _log_exception(exc: BaseException) -> Path:
    import traceback

    path = Path(tempfile.gettempdir()) / "xl_tthc-loi.log"
    with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return path


def _score(args: argparse.Namespace) -> int:
    from xl_tthc import api

    api.check_outputs([args.output], [args.input])
    result = api.score(args.input)
    text = api.result_text(result) if args.format == "table" else json.dumps(result, ensure_ascii=False, indent=2)
    _emit(text, args.output)
    return EXIT_FINDINGS if result["summary"]["errors"] else EXIT_OK


def _emit(text: str, output: str | None) -> None:
    if output:
        from xl_tthc import api

        api.write_text(output, text + "\n")
    else:
        sys.stdout.write(text + "\n")


def _frameworks(args: argparse.Namespace) -> int:
    from xl_tthc import api

    fws = api.frameworks()
    if args.json:
        _emit(
            json.dumps(
                [
                    {
                        "id": f.id,
                        "kind": f.kind,
                        "version": f.version,
                        "title": f.title,
                        "levels": list(f.levels),
                        "effective_from": f.effective_from.isoformat(),
                        "effective_to": f.effective_to.isoformat() if f.effective_to else None,
                        "references": [r.number for r in f.references],
                        "file": f.source_file,
                    }
                    for f in fws
                ],
                ensure_ascii=False,
                indent=2,
            ),
            None,
        )
        return EXIT_OK
    for f in fws:
        print(f"{f.id}  (phiên bản {f.version}, hiệu lực từ {f.effective_from:%d/%m/%Y})")
        print(f"    {f.title}")
        print(f"    Căn cứ: {f.legal_basis_vi()}")
        print(f"    Áp dụng: {', '.join(api.level_name(lv) for lv in f.levels)}")
    return EXIT_OK


def _templates(args: argparse.Namespace) -> int:
    from xl_tthc import api

    for path in api.templates(args.output):
        print(path)
    return EXIT_OK


def _fill(args: argparse.Namespace) -> int:
    from xl_tthc import api

    outcome = api.fill_workbook(args.file, args.output, in_place=args.in_place, framework=args.framework)
    if args.json:
        _emit(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2), None)
    else:
        print(outcome.summary_vi())
    return EXIT_FINDINGS if outcome.has_errors() else EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from xl_tthc import api

    meta = api.report_meta(
        issuer=args.issuer, place=args.place, date=api.parse_date(args.date), number=args.number, signer=args.signer
    )
    done = api.report(args.input, args.output, meta, period=args.period, history=args.history)
    results = done.consolidation.all_results()
    print(f"Đã ghi báo cáo {done.path} ({len(results)} đơn vị" + (", có so sánh với kỳ trước" if done.comparisons else "") + ").")
    has_errors = any(f.severity.value == "error" for r in results for f in r.findings)
    return EXIT_FINDINGS if has_errors else EXIT_OK


def _traces(report: Any) -> None:
    from xl_tthc import api

    traces = report.traces()
    if traces:
        print(f"Có {len(traces)} tệp gặp lỗi nội bộ; chi tiết kỹ thuật đã ghi vào {api.LOG_PATH}.", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from xl_tthc import api

    report = api.validate(args.dir, period=args.period, framework=args.framework, jobs=args.jobs, quiet=args.quiet)
    _traces(report)
    if args.json:
        _emit(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), None)
    else:
        print(api.summary_text(report, title="Kiểm tra"))
    return EXIT_FINDINGS if report.errors else EXIT_OK


def _consolidate(args: argparse.Namespace) -> int:
    from xl_tthc import api

    done = api.consolidate(
        args.dir,
        args.output,
        roster=args.roster,
        period=args.period,
        history=args.history,
        report=args.report,
        report_meta=api.report_meta(issuer=args.issuer, place=args.place),
        framework=args.framework,
        jobs=args.jobs,
        quiet=args.quiet,
        summary_only=not args.json,  # --json prints every unit's whole result
    )
    report = done.report
    _traces(report)
    if args.json:
        doc = report.to_dict()
        doc["output"] = str(args.output)
        _emit(json.dumps(doc, ensure_ascii=False, indent=2), None)
    else:
        print(api.summary_text(report, title="Tổng hợp", bands=True))
        print(f"\nĐã ghi tệp tổng hợp: {args.output}")
        if args.report:
            print(f"Đã ghi dự thảo báo cáo: {args.report}")
        if done.comparisons:
            print("Đã so sánh với kỳ trước (trang «So sánh kỳ trước»).")
    return EXIT_FINDINGS if report.errors else EXIT_OK


def _build_addin(args: argparse.Namespace) -> int:
    from xl_tthc import api

    print(f"Đã tạo add-in {api.build_addin(args.output)}")
    return EXIT_OK


def _bundle_windows(args: argparse.Namespace) -> int:
    from xl_tthc import api

    for path in api.bundle_windows(args.output, args.cache):
        print(f"Đã tạo {path}")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from xl_tthc import api

    api.demo(args.output)
    print(f"Xong. Kết quả nằm trong thư mục {args.output}/")
    return EXIT_OK
