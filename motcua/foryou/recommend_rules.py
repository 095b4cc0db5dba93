"""Life-event chains and age rules that ship with motcua: candidates and explanations for the
recommender (`recommend.py`).

These are public rules (the law), never anybody's data: a chain says which procedure usually
follows another because the law links them (NĐ 63/2024 liên thông bundles, NĐ 297/2025, the
Civil Status and Residence laws), with a prior used only when the province's own data has too
few cases to learn the step (cold start, or a cell suppressed for k-anonymity). When the data
does learn the step, the learned probability ranks it and the rule gives the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Step:
    #: Suggested only while the trigger is this recent (index into recommend.ELAPSED_BINS).
    within_bin: int
    #: Probability used when the data cannot say (cold start).
    prior: float
    #: The rule, for the explanation ("theo …").
    basis: str


BIRTH = "liên thông khai sinh – thường trú – thẻ BHYT cho trẻ dưới 6 tuổi (NĐ 63/2024/NĐ-CP)"
DEATH = "liên thông khai tử – xóa đăng ký thường trú – trợ cấp mai táng, tử tuất (NĐ 63/2024/NĐ-CP)"
MARRIAGE = "Luật Hộ tịch 2014 và Luật Cư trú 2020: sau kết hôn, đăng ký thường trú và cập nhật giấy tờ"
STATUS = "Giấy xác nhận tình trạng hôn nhân dùng để đăng ký kết hôn (NĐ 123/2015/NĐ-CP, Điều 22)"
BUSINESS = "đăng ký hộ kinh doanh – giấy chứng nhận đủ điều kiện ANTT – kê khai thuế (NĐ 297/2025/NĐ-CP)"
LAND = "Luật Đất đai 2024: đăng ký biến động kèm kê khai lệ phí trước bạ"

#: trigger procedure -> {next procedure: Step}
CHAINS: dict[str, dict[str, Step]] = {
    # Đăng ký khai sinh → thường trú → thẻ BHYT
    "1.001193": {"1.004222": Step(1, 0.5, BIRTH), "1.001939": Step(1, 0.45, BIRTH)},
    # Đăng ký khai tử → xóa đăng ký thường trú → tử tuất (BHXH)
    "1.000656": {"1.003197": Step(1, 0.5, DEATH), "2.000821": Step(1, 0.3, DEATH)},
    # Xác nhận tình trạng hôn nhân → đăng ký kết hôn
    "1.004873": {"1.000894": Step(2, 0.4, STATUS)},
    # Đăng ký kết hôn → thường trú, thông tin trên giấy chứng nhận đất
    "1.000894": {"1.004222": Step(2, 0.25, MARRIAGE), "1.013833": Step(2, 0.08, MARRIAGE)},
    # Đăng ký hộ kinh doanh → ANTT (tỉnh) → khai thuế hộ kinh doanh
    "1.001612": {"2.001478": Step(2, 0.2, BUSINESS), "1.011022": Step(2, 0.3, BUSINESS)},
    # Đăng ký biến động đất đai → lệ phí trước bạ
    "1.013831": {"1.007277": Step(1, 0.3, LAND)},
}

#: Luật Căn cước 2023, Điều 21: the card is issued at 14 and renewed at 25, 40 and 60; it may be
#: done in the two years before that birthday.
ID_CARD_AGES = {14: "1.014061", 25: "1.014063", 40: "1.014063", 60: "1.014063"}
ID_CARD_PRIOR = 0.15


def next_steps(code: str) -> dict[str, Step]:
    return CHAINS.get(code, {})


def templates() -> dict[str, str]:
    """The reasons' sentences in the active language, translated once per answering pass."""
    return {
        "rule": _("Vì bạn đã nộp hồ sơ «%(name)s» ngày %(on)s; theo %(basis)s."),
        "learned": _(
            "Vì bạn đã nộp hồ sơ «%(name)s» ngày %(on)s; nhiều người nộp thủ tục đó "
            "cũng cần thủ tục này trong %(days)s ngày sau."
        ),
        "popular_age": _("Thủ tục được nhiều người cùng độ tuổi với bạn thực hiện gần đây."),
        "popular": _("Thủ tục được nhiều người thực hiện gần đây."),
    }


def age_candidates(birth: date | None, as_of: date, horizon: int, done: set[str]):
    """(code, prior, because) for an ID-card age reached within the horizon (or just passed)."""
    if birth is None:
        return []
    out = []
    for age, code in ID_CARD_AGES.items():
        try:
            birthday = birth.replace(year=birth.year + age)
        except ValueError:  # 29 February
            birthday = date(birth.year + age, 3, 1)
        lead = (birthday - as_of).days
        if -90 <= lead <= horizon and code not in done:
            because = _(
                "Vì bạn đủ %(age)s tuổi ngày %(on)s: thẻ căn cước được cấp, cấp đổi khi công dân "
                "đủ 14, 25, 40 và 60 tuổi (Luật Căn cước 2023, Điều 21)."
            ) % {"age": age, "on": birthday.strftime("%d/%m/%Y")}
            out.append((code, ID_CARD_PRIOR, because))
    return out
