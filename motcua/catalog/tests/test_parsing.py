from decimal import Decimal

import pytest

from motcua.catalog.models import SubmissionMethod, TimeUnit
from motcua.catalog.parsing import (
    parse_fee,
    parse_processing_time,
    parse_results,
    parse_steps,
    split_attached_file,
)

FREE, PAID, UNKNOWN = (
    SubmissionMethod.FeeStatus.FREE,
    SubmissionMethod.FeeStatus.PAID,
    SubmissionMethod.FeeStatus.UNKNOWN,
)


@pytest.mark.parametrize(
    ("text", "amount", "unit", "ok"),
    [
        ("7 Ngày làm việc", Decimal(7), TimeUnit.WORKING_DAYS, True),
        ("15 Ngày", Decimal(15), TimeUnit.DAYS, True),
        ("8 Giờ", Decimal(8), TimeUnit.WORKING_HOURS, True),
        ("0,5 Ngày làm việc", Decimal("0.5"), TimeUnit.WORKING_DAYS, True),
        ("3 Tháng", Decimal(3), TimeUnit.MONTHS, True),
        ("Không quy định", None, TimeUnit.NOT_REGULATED, True),
        ("", None, TimeUnit.UNKNOWN, True),
        ("120", None, TimeUnit.UNKNOWN, False),
        ("Chậm nhất là ngay trước khi tàu rời cảng", None, TimeUnit.UNKNOWN, False),
    ],
)
def test_processing_times_are_normalised_or_reported(text, amount, unit, ok):
    parsed = parse_processing_time(text)
    assert parsed.value == (amount, unit) and parsed.ok is ok


@pytest.mark.parametrize(
    ("text", "amounts", "expected", "ok"),
    [
        ("10,000 Việt Nam Đồng", [10000], (PAID, [10000]), True),
        ("Lệ phí : 50.000 Đồng", [50000], (PAID, [50000]), True),
        ("100,000 VNĐ", [100000], (PAID, [100000]), True),
        ("Phí : 0 Đồng", [0], (FREE, []), True),
        ("Miễn phí", [], (FREE, []), True),
        ("Không có thông tin", [], (UNKNOWN, []), True),
        ("Lệ phí : 1.5 USD", [], (UNKNOWN, []), False),
        ("20,000 Việt Nam Đồng", [30000], (UNKNOWN, []), False),  # the crawl disagrees with the text
    ],
)
def test_fees_are_amounts_in_vnd_or_reported(text, amounts, expected, ok):
    parsed = parse_fee(text, amounts)
    assert parsed.value == expected and parsed.ok is ok


def test_results_keep_their_codes():
    text = "Giấy chứng nhậnMã: KQ.G16.000123Phiếu từ chốiMã: KQ.G16.000124"
    assert parse_results(text) == [
        {"name": "Giấy chứng nhận", "code": "KQ.G16.000123"},
        {"name": "Phiếu từ chối", "code": "KQ.G16.000124"},
    ]
    assert parse_results("Quyết định phê duyệt.") == [{"name": "Quyết định phê duyệt.", "code": ""}]
    glued = "Xác nhận thông quanMã: KQ.G12.000327Từ khóaKhông có thông tinMô tảKhông có thông tin"
    assert parse_results(glued) == [{"name": "Xác nhận thông quan", "code": "KQ.G12.000327"}]


def test_steps_are_split_on_their_numbers():
    assert parse_steps("Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.") == [
        "Bước 1: Nộp hồ sơ.",
        "Bước 2: Nhận kết quả.",
    ]
    assert parse_steps("") == []


GLUED = [
    (
        "Đơn đề nghị cấp lại thẻ công chứng viên theo Mẫu TP-CC-08 ban hành kèm theo Thông tư số "
        "05/2025/TT-BTPMẫu TP-CC-08.docx",
        "Đơn đề nghị cấp lại thẻ công chứng viên theo Mẫu TP-CC-08 ban hành kèm theo Thông tư số "
        "05/2025/TT-BTP",
        "Mẫu TP-CC-08.docx",
    ),
    (
        "a) Tờ khai tham gia bảo hiểm y tế;Mau01-BK(BHYT).doc",
        "a) Tờ khai tham gia bảo hiểm y tế",
        "Mau01-BK(BHYT).doc",
    ),
    (
        "Phí bảo vệ môi trường (Mẫu số 01/PBVMT)Mẫu số 01 PBVMT.docx",
        "Phí bảo vệ môi trường (Mẫu số 01/PBVMT)",
        "Mẫu số 01 PBVMT.docx",
    ),
    (
        "Đề nghị hủy mã ngân hàng theo Phụ lục số 02.Phụ lục số 02.docx",
        "Đề nghị hủy mã ngân hàng theo Phụ lục số 02.",
        "Phụ lục số 02.docx",
    ),
    ("Bản sao giấy khai sinh", "Bản sao giấy khai sinh", ""),
    (
        "Tờ khai theo Mẫu số 01 ban hành kèm theo Thông tư 04/2020/TT-BTP",
        "Tờ khai theo Mẫu số 01 ban hành kèm theo Thông tư 04/2020/TT-BTP",
        "",
    ),
]


@pytest.mark.parametrize(("printed", "paper", "attached"), GLUED)
def test_a_glued_form_file_name_is_split_from_the_paper_name(printed, paper, attached):
    assert split_attached_file(printed) == (paper, attached)
