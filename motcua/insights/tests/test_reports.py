"""The monthly report: the Excel and PDF files carry exactly the figures of `services.report`."""

import io
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.formats import number_format
from openpyxl import load_workbook

from motcua.insights import reports, services

from .conftest import DEPARTMENT

PERIOD = "2026-09"


def _rows(ws, first=5):
    return [row for row in ws.iter_rows(min_row=first, values_only=True)]


def test_excel_has_the_same_indicator_figures_as_the_index(dataset):
    expected = services.report(PERIOD, DEPARTMENT)
    workbook = load_workbook(io.BytesIO(reports.to_xlsx(reports.build(PERIOD, DEPARTMENT))))
    assert workbook.sheetnames[:5] == [
        "Tổng hợp",
        "Chỉ số",
        "Xếp hạng sở, ngành",
        "Xếp hạng xã, phường",
        "Quá hạn",
    ]

    sheet = workbook["Chỉ số"]
    by_code = {row[1]: row for row in _rows(sheet)}
    indicators = [ind for group in expected["groups"] for ind in group["indicators"]]
    assert len(by_code) == len(indicators) > 10
    for ind in indicators:
        row = by_code[ind["code"]]
        assert row[3] == ind["numerator"] and row[4] == ind["denominator"], ind["code"]
        assert row[5] == (None if ind["ratio"] is None else pytest.approx(ind["ratio"], rel=1e-12)), ind[
            "code"
        ]
        assert row[6] == ind["points"], ind["code"]  # "N/A" stays "N/A"
        assert row[7] == ind["max_points"]
    # Typed numbers with formats, not text.
    ratio_cell = next(c for c in sheet["F"][4:] if isinstance(c.value, float))
    assert ratio_cell.number_format == "0.00%"

    summary = {row[1]: row for row in _rows(workbook["Tổng hợp"])}
    assert summary["Tổng điểm"][2] == expected["total"]
    assert summary["Xếp loại"][2] == expected["grade"]
    for group in expected["groups"]:
        assert summary[group["name"]][2] == group["points"]
    assert len(workbook["Tổng hợp"]._charts) == 1

    counts = dict(_rows(workbook["Số liệu gốc"]))
    assert counts["received"] == expected["counts"]["received"] == 8


def test_excel_ranking_matches_the_ranking_service(dataset):
    workbook = load_workbook(io.BytesIO(reports.to_xlsx(reports.build(PERIOD))))
    ranking = services.ranking(PERIOD, "department")
    rows = _rows(workbook["Xếp hạng sở, ngành"])
    assert [(r[0], r[1], r[3]) for r in rows] == [(r["rank"], r["key"], r["total"]) for r in ranking]
    assert DEPARTMENT in [r[1] for r in rows]


def test_overdue_summary_counts_late_dossiers(dataset):
    report = reports.build(PERIOD, DEPARTMENT)
    counts = report["index"]["counts"]
    overdue = report["overdue"]
    # By hand (conftest): d2 and d3 ended late; d4 and d10 are unfinished and overdue.
    assert overdue["ended_late"] == counts["ended"] - counts["ended_on_time"] == 2
    assert overdue["unfinished_overdue"] == 2
    top = overdue["top_departments"][0]
    assert (top["key"], top["unfinished_overdue"], top["ended_late"]) == (DEPARTMENT, 2, 2)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_pdf_text_contains_the_total_and_each_group(dataset, tmp_path):
    report = reports.build(PERIOD, DEPARTMENT)
    text = _pdf_text(reports.to_pdf(report), tmp_path)
    index = report["index"]
    assert number_format(index["total"], 2) in text
    assert "Sở Thử nghiệm" in text and "Tháng 09/2026" in text
    for group in index["groups"]:
        assert number_format(group["points"], 2) in text


def test_signed_pdf_verifies(dataset, tmp_path, settings):
    from motcua.core.signing import get_signer, verify_pdf

    settings.VAR_DIR = tmp_path / "var"
    settings.MOTCUA_SIGNER = "sandbox"
    settings.MOTCUA_TRUSTED_CA_FILES = []
    settings.MOTCUA_TRUST_SANDBOX_CA = True
    report = reports.build(PERIOD, DEPARTMENT)
    data = reports.to_pdf(
        report, signer=get_signer("Nguyễn Giám Sát", "Văn phòng UBND tỉnh"), signer_name="Nguyễn Giám Sát"
    )
    verification = verify_pdf(data)
    assert verification.valid, verification.message
    assert "Ký số bởi: Nguyễn Giám Sát" in _pdf_text(data, tmp_path)


def test_report_without_criteria_and_with_a_failing_criteria_module(dataset, monkeypatch):
    monkeypatch.setattr(reports.criteria_module, "measures", lambda period, unit: {})
    report = reports.build(PERIOD, DEPARTMENT)
    assert not report["criteria"] and report["criteria_error"] == ""
    workbook = load_workbook(io.BytesIO(reports.to_xlsx(report)))
    assert "Tiêu chí QĐ 1565" not in workbook.sheetnames

    def broken(period, unit):
        raise RuntimeError("criteria down")

    monkeypatch.setattr(reports.criteria_module, "measures", broken)
    report = reports.build(PERIOD, DEPARTMENT)
    assert report["criteria"] is None
    message = "Không tính được các tiêu chí QĐ 1565 cho kỳ này (xem nhật ký hệ thống)."
    assert report["criteria_error"] == message
    workbook = load_workbook(io.BytesIO(reports.to_xlsx(report)))
    assert message in [row[0] for row in workbook["Tiêu chí QĐ 1565"].iter_rows(values_only=True)]


def test_command_writes_the_file(dataset, tmp_path):
    out = tmp_path / "bc.xlsx"
    stdout = io.StringIO()
    call_command("report", period=PERIOD, unit=DEPARTMENT, fmt="xlsx", out=str(out), stdout=stdout)
    workbook = load_workbook(out)
    summary = {row[1]: row for row in _rows(workbook["Tổng hợp"])}
    assert summary["Tổng điểm"][2] == services.report(PERIOD, DEPARTMENT)["total"]
    assert "Sở Thử nghiệm" in stdout.getvalue()
    with pytest.raises(CommandError, match="Không đọc được kỳ"):
        call_command("report", period="tháng 9", fmt="xlsx", out=str(out))
    with pytest.raises(CommandError, match="Chỉ ký số"):
        call_command("report", period=PERIOD, fmt="xlsx", out=str(out), sign_as="ai-do")


def test_criteria_measures_get_a_row_each_and_services_their_own_sheet(dataset, monkeypatch):
    class FakeCriteria:
        @staticmethod
        def measures(period, unit):
            assert (period.label, unit.key) == ("Tháng 09/2026", DEPARTMENT)
            return {
                "measures": {
                    "c1_form": {
                        "code": "c1_form",
                        "name": "Có biểu mẫu tương tác",
                        "value": 0.5,
                        "numerator": 1,
                        "denominator": 2,
                        "status": "ok",
                        "meets_target": False,
                        "per_service": [
                            {"code": "9.999001", "has_form": True},
                            {"code": "9.999002", "has_form": False},
                        ],
                    },
                    "c2_time": {
                        "code": "c2_time",
                        "name": "Thời gian",
                        "value": None,
                        "status": "not_enough_data",
                    },
                }
            }

    monkeypatch.setattr(reports, "criteria_module", FakeCriteria)
    workbook = load_workbook(io.BytesIO(reports.to_xlsx(reports.build(PERIOD, DEPARTMENT))))
    rows = _rows(workbook["Tiêu chí QĐ 1565"])
    assert [r[:5] for r in rows] == [
        ("c1_form", "Có biểu mẫu tương tác", 0.5, 1, 2),
        ("c2_time", "Thời gian", None, None, None),
    ]
    assert (rows[0][7], rows[0][8], rows[1][8]) == ("Chưa đạt", "Đã tính", "Chưa đủ dữ liệu")
    services_sheet = workbook["QĐ 1565 theo thủ tục"]
    assert list(services_sheet.iter_rows(min_row=4, values_only=True)) == [
        ("Chỉ tiêu", "code", "has_form"),
        ("c1_form", "9.999001", True),
        ("c1_form", "9.999002", False),
    ]
