"""VietQR payloads checked against published examples of the NAPAS/EMVCo format, CRC included."""

import io

import pytest
from django.core.management import CommandError, call_command

from motcua.payments import vietqr

#: Published examples (the strings a bank app reads), each with its CRC-16/CCITT-FALSE.
PUBLISHED = [
    # github.com/subiz/vietqr README: 120,000 đ to 0011001932418 at BIN 970415, content "ung ho lu lut".
    "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN"
    "62170813ung ho lu lut6304C15C",
    # A payOS (bank-issued) dynamic QR: 7,000 đ to VQRQADAIJ5512 at BIN 970422, content "TL89 100".
    "00020101021238570010A000000727012700069704220113VQRQADAIJ55120208QRIBFTTA5303704540470005802VN"
    "62120808TL89 1006304E346",
]


def test_builds_the_published_example_exactly():
    text = vietqr.payload(
        bank_bin="970415", account="0011001932418", amount=120000, reference="ung ho lu lut"
    )
    assert text == PUBLISHED[0]


@pytest.mark.parametrize("text", PUBLISHED)
def test_published_examples_parse_and_their_crc_matches(text):
    assert vietqr.crc16_ccitt_false(text[:-4]) == text[-4:]
    info = vietqr.parse(text)
    assert (
        vietqr.payload(
            bank_bin=info["bank_bin"],
            account=info["account"],
            amount=info["amount"],
            reference=info["reference"],
        )
        == text
    )


def test_crc_of_a_card_transfer_example():
    # QRIBFTTC example with its published CRC A203.
    body = (
        "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC530370454061800005802VN"
        "62340107NPS68690819thanh toan don hang6304"
    )
    assert vietqr.crc16_ccitt_false(body) == "A203"


def test_static_qr_without_amount_uses_initiation_11():
    text = vietqr.payload(bank_bin="970436", account="1023456789")
    assert text.startswith("000201010211")
    assert vietqr.parse(text)["amount"] is None


def test_a_changed_character_fails_the_crc():
    tampered = PUBLISHED[0].replace("120000", "920000")
    with pytest.raises(vietqr.PayloadError, match="CRC"):
        vietqr.parse(tampered)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bank_bin": "97041", "account": "1", "amount": 1},
        {"bank_bin": "970415", "account": "12-34", "amount": 1},
        {"bank_bin": "970415", "account": "1", "amount": -5},
        {"bank_bin": "970415", "account": "1", "amount": 1, "reference": "nội dung có dấu"},
    ],
)
def test_bad_input_is_refused_in_vietnamese(kwargs):
    with pytest.raises(vietqr.PayloadError):
        vietqr.payload(**kwargs)


def test_command_prints_the_payload_alone_on_one_line():
    out = io.StringIO()
    call_command(
        "payments",
        "vietqr",
        "--bank-bin",
        "970415",
        "--account",
        "0011001932418",
        "--amount",
        "120000",
        "--ref",
        "ung ho lu lut",
        stdout=out,
    )
    assert out.getvalue() == PUBLISHED[0] + "\n"


def test_command_refuses_a_bad_bin():
    with pytest.raises(CommandError, match="BIN"):
        call_command("payments", "vietqr", "--bank-bin", "12", "--account", "1", "--amount", "1")
