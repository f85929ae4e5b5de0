"""The formula and error cells of a sheet's XML, found in one pass where the XML is spelled as Excel, LibreOffice and
openpyxl spell it, token by token where it is not: both give the same cells (issue 15: the formula check was 40 % of
a worker's time on a 459 appendix)."""

from __future__ import annotations

from xl_tthc.io import reader
from xl_tthc.io.cached import formulas
from xl_tthc.io.reader import cell_element, cell_states

ROWS = (
    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><f>SUM(B2:B3)</f><v>5</v></c></row>'
    b'<row r="2"><c r="A2"/><c r="B2" s="1"><f t="shared" ref="B2:B3" si="0">IF(A2=&quot;-&quot;,1,2)</f><v>2</v></c>'
    b'<c r="C2"><f>ROUND(1/3,2)</f><v></v></c><c r="D2" t="e"><v>#REF!</v></c></row>'
    b'<row r="3"><c r="B3" s="1"><f t="shared" si="0"/><v>3</v></c><c r="C3" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
)


def _sheet(rows: bytes) -> bytes:
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    cf = b'<conditionalFormatting sqref="B1"><cfRule type="expression"><formula>B1&gt;0</formula></cfRule></conditionalFormatting>'
    return head + b"<sheetData>" + rows + b"</sheetData>" + cf + b"</worksheet>"


# what each spelling must give, by hand: the cells holding a formula or an error, nothing else
WANT = {
    "B1": "=SUM(B2:B3)",
    "B2": '=IF(A2="-",1,2)',
    "B3": "=",  # a shared formula's follower: a formula, its text the master's
    "C2": "=ROUND(1/3,2)",
    "C3": '="a"&"b"',
}
REFS = {"A1", "A2", "B1", "B2", "B3", "C2", "C3", "D2", "E9"}


def _found(xml: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    reader._LAST_SPECIAL.clear()
    data = _zip(xml)
    return formulas(None, "S", REFS, data), {k: (v.kind, v.text) for k, v in cell_states(None, "S", REFS, data).items()}  # type: ignore[arg-type]


def _zip(xml: bytes) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", xml)
    return buf.getvalue()


STATES = {"C2": ("formula_without_value", "=ROUND(1/3,2)"), "D2": ("error", "#REF!")}


def test_excel_spelling_found_in_one_pass() -> None:
    assert _found(_sheet(ROWS)) == (WANT, STATES)


def test_reference_not_first_attribute_found_token_by_token() -> None:
    # LibreOffice and Excel put r first; another writer may not: the one pass misses B2, the count tells, the
    # token walk finds it
    rows = ROWS.replace(b'<c r="B2" s="1">', b'<c s="1" r="B2">')
    assert _found(_sheet(rows)) == (WANT, STATES)


def test_prefixed_elements_looked_up_one_by_one() -> None:
    rows = (
        ROWS.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(b"<f", b"<x:f").replace(b"</f>", b"</x:f>")
    )
    rows = rows.replace(b"<v>", b"<x:v>").replace(b"</v>", b"</x:v>").replace(b"<v></x:v>", b"<x:v></x:v>")
    assert _found(_sheet(rows)) == (WANT, STATES)


def test_cell_element_gives_attributes_and_content() -> None:
    xml = _sheet(ROWS)
    reader._LAST_SPECIAL.clear()
    got = cell_element(xml, "C3")
    assert got is not None
    attrs, body = got
    assert attrs[b"r"] == b"C3" and attrs[b"t"] == b"str"
    assert body == b'<f>"a"&amp;"b"</f><v>ab</v>'
    assert cell_element(xml, "A1") is None  # a plain value: not looked at by the checks


def test_other_elements_starting_with_f_change_nothing() -> None:
    # <formula1> (data validation), <filterColumn>/<filters>/<filter> (autofilter) are not formula cells; an element
    # the count takes for a formula (<fx/>, in an extension) only sends the sheet down the token walk
    extra = (
        b'<autoFilter ref="A1:C3"><filterColumn colId="0"><filters><filter val="x"/></filters></filterColumn></autoFilter>'
        b"<dataValidations><dataValidation><formula1>1</formula1></dataValidation></dataValidations>"
    )
    xml = _sheet(ROWS).replace(b"</worksheet>", extra + b"</worksheet>")
    assert _found(xml) == (WANT, STATES)
    assert _found(xml.replace(b"</worksheet>", b"<extLst><fx/></extLst></worksheet>")) == (WANT, STATES)
