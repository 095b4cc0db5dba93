import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command

from motcua.catalog.models import Procedure
from motcua.guide import compose as composer
from motcua.guide import numbers
from motcua.guide.models import Exchange
from motcua.guide.scrub import scrub
from motcua.guide.services import GuideError, answer, ask, check, metrics, rate

pytestmark = pytest.mark.django_db


def test_numbers_are_read_as_printed():
    assert numbers.numbers_in("50.000 đồng trong 3 ngày, NĐ 123/2015/NĐ-CP") == ["50.000", "3", "123/2015"]
    assert numbers.unsupported("phí 50.000 đồng", ["Lệ phí: 50.000 đồng"]) == []
    assert numbers.unsupported("phí 60.000 đồng", ["Lệ phí: 50.000 đồng"]) == ["60.000"]
    # "15" does not vouch for "1.5", nor "1.000" for "1.000.000"
    assert numbers.unsupported("1.5 ngày; 1.000.000 đồng", ["15 ngày, 1.000 đồng"]) == ["1.5", "1.000.000"]
    assert numbers.unsupported("theo Nghị định 2015", ["123/2015/NĐ-CP"]) == []


def test_a_cited_answer_from_the_record(reference_data):
    result = answer("làm giấy khai sinh cho con mất bao nhiêu tiền, bao lâu thì xong")
    assert not result.abstained and result.procedure == "1.001193"
    assert result.citations == [{"procedure": "1.001193", "version": 1, "fields": ["fees", "time"]}]
    assert "Miễn phí" in result.text and "163/QĐ-BTP" in result.text  # the publication decision
    assert result.form_url.endswith("/1.001193/")


def test_every_record_the_number_check_catches_changed_numbers(reference_data):
    """Every record of the catalog, every field composed; each number changed in turn is caught,
    and no unchanged answer is refused."""
    from bench.assistant import number_check_figures

    figures = number_check_figures()
    assert figures["records"] == Procedure.objects.filter(current_version__isnull=False).count() > 2000
    assert figures["false_alarms"] == 0
    assert figures["caught"] / figures["changed"] >= 0.94, figures


def test_an_answer_with_an_invented_number_is_not_shown(reference_data, monkeypatch):
    real = composer._field_lines

    def inventing(name, *args):
        lines = real(name, *args)
        return [*lines, ("Lệ phí: 350.000 đồng", "")] if name == "fees" else lines

    monkeypatch.setattr(composer, "_field_lines", inventing)
    result = answer("đăng ký kết hôn lệ phí bao nhiêu")
    assert result.abstained and "350.000" not in result.text
    procedure = Procedure.objects.get(code="1.000894")
    composed = composer.compose(procedure, ["fees"])
    assert check(composed, procedure, "") == ["350.000"]
    assert check(composed, procedure, "có phải 350.000 không") == []  # the question's own number


@pytest.mark.parametrize(
    ("question", "agency"),
    [
        ("mở tài khoản ngân hàng cho con", "ngân hàng"),
        ("mở quán bar cần giấy phép gì", "Văn hóa"),
        ("xin cấp lại học bạ bị mất", "Giáo dục"),
        ("mở nhà thuốc bán thuốc tây", "Y tế"),
    ],
)
def test_out_of_scope_names_who_to_ask(reference_data, question, agency):
    result = answer(question)
    assert result.abstained and result.procedure == "" and agency in result.text


@pytest.mark.parametrize(
    ("question", "code"),
    [
        ("xin công nhận hộ nghèo thì làm thế nào", "1.011607"),
        ("mua bảo hiểm xã hội tự nguyện có làm online được không", "1.002179"),
        # An out-of-scope phrase ("bán thuốc", "karaoke") in the name of a procedure the catalog
        # holds in detail, which accounts for the question: the catalog answers.
        ("muốn bán thuốc trừ sâu cần giấy gì", "1.004363"),
        ("xin giấy phép kinh doanh karaoke", "1.001029"),
    ],
)
def test_out_of_scope_never_refuses_what_the_catalog_holds(reference_data, question, code):
    result = answer(question)
    assert not result.abstained and result.procedure == code, (result.outcome, result.procedure)


def test_nonsense_is_not_answered_with_a_wrong_procedure(reference_data):
    assert answer("ăn gì hôm nay").abstained


def test_bad_questions_change_nothing(reference_data):
    for bad in ["", "   ", "x" * 501, "\x00\x01"]:
        with pytest.raises(GuideError):
            ask(bad)
    assert not Exchange.objects.exists()
    ask("đổi bằng lái\x00 xe")  # a control character is dropped, not written to the log
    assert "\x00" not in Exchange.objects.get().question


def test_the_log_keeps_no_personal_data_and_counts_ratings(reference_data):
    result = ask("Tôi là Nguyễn Văn An, CCCD 001099012345, sđt 0912345678, đổi bằng lái xe ở đâu")
    row = Exchange.objects.get()
    for secret in ["Nguyễn", "001099012345", "0912345678", "An,"]:
        assert secret not in row.question
    assert row.procedure_code == "3.000347"
    rate(result.token, useful=True)
    with pytest.raises(GuideError):
        rate(result.token, useful=False)
    assert metrics()["rated_useful"] == 1 and metrics()["answers"] == 1


def test_scrub():
    assert scrub("họ tên: Trần Thị Bích, email a.b@x.vn") == "họ tên: [tên], email [email]"
    assert scrub("số 0987 654 321") == "số [số điện thoại]"


def test_the_cli_prints_one_json_object_per_question(reference_data, tmp_path):
    out = io.StringIO()
    call_command("ask", "đổi bằng lái xe mất bao lâu", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"answer", "abstained", "procedure", "candidates", "citations"}
    assert data["procedure"] == "3.000347" and data["candidates"][0] == "3.000347"
    assert data["citations"][0]["fields"] == ["time"]
    batch = tmp_path / "q.txt"
    batch.write_text("đăng ký kết hôn\n\nmở tài khoản ngân hàng\n", encoding="utf-8")
    out = io.StringIO()
    call_command("ask", "--batch", str(batch), "--json", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["abstained"] for line in lines] == [False, True]
    assert not Exchange.objects.exists()  # the CLI does not log


class _FakeLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that invents a number on every other call."""

    calls = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = body["messages"][0]["content"].split("\n\n", 1)[1]
        type(self).calls += 1
        out = text + ("\nLệ phí: 999.000 đồng" if self.calls % 2 else "\n(Đã viết lại cho dễ hiểu.)")
        payload = json.dumps({"choices": [{"message": {"content": out}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def test_the_llm_only_rephrases_and_falls_back_when_it_invents(reference_data, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _FakeLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("MOTCUA_GUIDE_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
        first = answer("đổi bằng lái xe mất bao lâu")  # the fake invents 999.000: composed answer
        second = answer("đổi bằng lái xe mất bao lâu")
    finally:
        server.shutdown()
    assert not first.rephrased and "999.000" not in first.text
    assert second.rephrased and second.text.endswith("(Đã viết lại cho dễ hiểu.)")
    monkeypatch.setenv("MOTCUA_GUIDE_LLM_URL", "http://127.0.0.1:9/v1")  # nothing listens: fallback
    assert not answer("đổi bằng lái xe mất bao lâu").rephrased


def test_the_api_answers_with_citations_and_refuses_bad_questions(reference_data, client):
    response = client.post(
        "/api/v1/assistant/ask",
        {"question": "đăng ký kết hôn cần giấy tờ gì"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["procedure"] == "1.000894" and data["citations"][0]["fields"] == ["papers"]
    assert Exchange.objects.get().channel == "api" and data["token"] == Exchange.objects.get().token
    bad = client.post("/api/v1/assistant/ask", {"question": ""}, content_type="application/json")
    assert bad.status_code == 422 and Exchange.objects.count() == 1


def test_the_page_answers_with_citations_and_a_form_link_and_takes_a_rating(reference_data, client):
    home = client.get("/")
    assert b'name="hoi"' in home.content  # the widget on public pages
    response = client.get("/tro-ly/", {"hoi": "làm giấy khai sinh cho con mất bao nhiêu tiền"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Miễn phí" in html and "1.001193" in html and "Nộp trực tuyến" in html
    start = html.index('class="guide-answer"')
    assert len(html[start : html.index("</section>", start)].encode()) < 2048  # a short answer stays small
    token = Exchange.objects.get().token
    client.post("/tro-ly/danh-gia/", {"token": token, "useful": "1"})
    assert Exchange.objects.get().rating == Exchange.Rating.USEFUL
    assert client.get("/tro-ly/", {"hoi": "x" * 600}).status_code == 422
