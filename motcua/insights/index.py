"""The QĐ 766 index (Bộ chỉ số chỉ đạo, điều hành và đánh giá chất lượng phục vụ người dân, doanh
nghiệp theo thời gian thực): one pure function per indicator (spec §1.2), the groups and the total.

Every function takes plain counts and returns an `Indicator` (points, ratio, max, notes). Nothing
here touches the database: `motcua.insights.queries` gathers the counts, and a later incremental
version (counters kept up to date from events) can be checked against `compute()` on the same counts.

Numbers the spec marks as not known exactly come from `Params` (settings, see `Params.from_settings`)
and the indicators that use them say so (`inferred`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def _round(value: float) -> float:
    return round(value + 0.0, 2)


@dataclass
class Indicator:
    code: str
    name: str
    points: float | None  # None: N/A (no data to compute it from)
    max_points: float
    ratio: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    notes: list[str] = field(default_factory=list)
    inferred: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        data["points"] = "N/A" if self.points is None else self.points
        if self.inferred:
            data["notes"] = [*self.notes, INFERRED_NOTE]
        return data


#: The machine-readable marker of a formula or parameter the law does not fix (JSON, CLI).
INFERRED_MARK = "[inferred]"
INFERRED_NOTE = f"{INFERRED_MARK} công thức hoặc tham số suy luận, cấu hình được"


def display_notes(notes: list[str]) -> list[str]:
    """Notes as a person reads them: without the developers' `[inferred]` marker.

    Screens and reports show a "suy luận" badge instead, so the generic note is dropped.
    """
    plain = []
    for note in notes:
        if note == INFERRED_NOTE:
            continue
        plain.append(note.replace(f"{INFERRED_MARK} ", "").replace(f" ({INFERRED_MARK})", "").strip())
    return plain


@dataclass
class Group:
    code: str
    name: str
    max_points: float
    indicators: list[Indicator]

    @property
    def points(self) -> float:
        return _round(sum(i.points or 0 for i in self.indicators))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "points": self.points,
            "max_points": self.max_points,
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass(frozen=True)
class Params:
    """The inferred numbers (each one a setting; see motcua/settings.py, section insights)."""

    online_target: float = 0.5
    online_needs_e_result: bool = True
    payment_factor_b: float = 2.5
    payment_factor_c: float = 2.5
    reuse_threshold: float = 0.8
    digitisation_threshold: float = 1.0
    satisfaction_target: float = 0.9
    #: (minimum total, grade) from the best grade down.
    grade_bands: tuple[tuple[float, str], ...] = (
        (90.0, "Xuất sắc"),
        (80.0, "Tốt"),
        (65.0, "Khá"),
        (50.0, "Trung bình"),
        (0.0, "Yếu"),
    )

    @classmethod
    def from_settings(cls) -> Params:
        from django.conf import settings

        return cls(
            online_target=settings.MOTCUA_INDEX_ONLINE_TARGET,
            online_needs_e_result=settings.MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT,
            payment_factor_b=settings.MOTCUA_INDEX_PAYMENT_FACTOR_B,
            payment_factor_c=settings.MOTCUA_INDEX_PAYMENT_FACTOR_C,
            reuse_threshold=settings.MOTCUA_INDEX_REUSE_THRESHOLD,
            digitisation_threshold=settings.MOTCUA_INDEX_DIGITISATION_THRESHOLD,
            satisfaction_target=settings.MOTCUA_INDEX_SATISFACTION_TARGET,
            grade_bands=tuple(settings.MOTCUA_INDEX_GRADE_BANDS),
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        data["grade_bands"] = [list(b) for b in self.grade_bands]
        return data


@dataclass
class Counts:
    """Everything the index needs for one unit and one period, as plain numbers.

    None means "no data source" (the indicator is N/A), 0 means "counted, none".
    """

    # group 1
    published: int | None = None
    published_on_time: int | None = None
    made_public: int | None = None
    made_public_on_time: int | None = None
    procedures: int = 0
    procedures_full_content: int = 0
    received: int = 0
    synced: int = 0
    sync_reference: int = 0
    # group 2
    judged: int = 0
    judged_on_time: int = 0
    ended: int = 0
    ended_on_time: int = 0
    unfinished_overdue: int = 0
    #: ended in the period or open at its end without a legal time (no appointment): in no on-time
    #: or overdue count, shown on its own line (ADR 0029)
    no_legal_time: int = 0
    ended_no_legal_time: int = 0
    average_days: float | None = None
    # group 3
    eligible_full_online: int = 0
    full_online: int = 0
    # group 4
    fee_dossiers: int = 0
    fee_dossiers_paid_online: int = 0
    fee_procedures: int = 0
    fee_procedures_paid_online: int = 0
    fee_procedures_offered_online: int = 0
    # group 5
    results_due: int = 0
    with_e_result: int = 0
    digitised: int = 0
    certified_copies_due: int | None = None
    certified_copies: int | None = None
    reuse_any: int = 0
    from_data_store: int = 0
    citizen_db_procedures: int | None = None
    citizen_db_procedures_connected: int | None = None
    citizen_db_dossiers: int = 0
    # group 6
    pakn: int = 0
    pakn_on_time: int = 0
    pakn_disliked: int = 0
    pakn_repeated: int = 0
    dossier_complaints: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return min(1.0, max(0.0, numerator / denominator))


# --- group 1: Công khai, minh bạch (18) ------------------------------------------------------------


def publish_on_time(on_time: int | None, published: int | None) -> Indicator:
    """1.1 TTHC công bố đúng hạn (6): 6 × on time / published."""
    ind = Indicator("1.1", "TTHC được công bố đúng hạn", None, 6, numerator=on_time, denominator=published)
    if published is None:
        ind.notes.append("N/A: danh mục chưa có ngày quyết định công bố và ngày hiệu lực")
        return ind
    ind.ratio = _ratio(on_time, published)
    ind.points = _round(6 * (ind.ratio or 0))
    if not published:
        ind.notes.append("Không có TTHC công bố trong kỳ: 0 điểm")
    return ind


def public_update_on_time(on_time: int | None, made_public: int | None) -> Indicator:
    """1.2 TTHC công khai, cập nhật trên Cổng DVCQG đúng hạn (4): 4 × ratio."""
    ind = Indicator(
        "1.2",
        "TTHC công khai, cập nhật đúng hạn trên Cổng DVCQG",
        None,
        4,
        numerator=on_time,
        denominator=made_public,
    )
    if made_public is None:
        ind.notes.append("N/A: chưa có ngày công khai trên CSDL quốc gia về TTHC")
        return ind
    ind.ratio = _ratio(on_time, made_public)
    ind.points = _round(4 * (ind.ratio or 0))
    return ind


def public_content_full(full: int, procedures: int) -> Indicator:
    """1.3 TTHC công khai đầy đủ 7 bộ phận (2): 2 × ratio."""
    ratio = _ratio(full, procedures)
    ind = Indicator(
        "1.3",
        "TTHC công khai đầy đủ nội dung",
        _round(2 * (ratio or 0)),
        2,
        ratio=ratio,
        numerator=full,
        denominator=procedures,
    )
    ind.notes.append("Theo phiên bản hiện hành trong danh mục (không theo lịch sử công bố)")
    return ind


def dossier_sync(synced: int, received: int, reference: int = 0) -> Indicator:
    """1.4 Hồ sơ đồng bộ lên Cổng DVCQG (6): synced / max(reported count, count on the portal)."""
    denominator = max(received, reference)
    ratio = _ratio(synced, denominator)
    ind = Indicator(
        "1.4",
        "Hồ sơ được đồng bộ lên Cổng DVCQG",
        _round(6 * (ratio or 0)),
        6,
        ratio=ratio,
        numerator=synced,
        denominator=denominator,
    )
    if reference > received:
        ind.notes.append("Mẫu số theo số liệu tham chiếu (báo cáo quốc gia), lớn hơn số hồ sơ tiếp nhận")
    return ind


# --- group 2: Tiến độ giải quyết (20) --------------------------------------------------------------


def resolution_on_time(on_time: int, judged: int) -> Indicator:
    """2.1 Hồ sơ giải quyết đúng hạn (20): 20 × on time / judged.

    Judged = ended in the period + unfinished at its end that are overdue ([inferred] setting
    MOTCUA_INDEX_UNFINISHED); >1 supplement request counts as overdue; supplement pauses are already
    added to the appointment (ngày hẹn trả) by the dossier services.
    """
    ratio = _ratio(on_time, judged)
    ind = Indicator(
        "2.1",
        "Hồ sơ giải quyết đúng hạn",
        _round(20 * (ratio or 0)),
        20,
        ratio=ratio,
        numerator=on_time,
        denominator=judged,
        inferred=True,
    )
    if not judged:
        ind.notes.append("Không có hồ sơ đến hạn đánh giá trong kỳ: 0 điểm")
    return ind


def average_resolution_time(days: float | None) -> Indicator:
    """2.2 Thời gian giải quyết trung bình: shown, not scored (calendar days, [inferred])."""
    return Indicator(
        "2.2",
        "Thời gian giải quyết trung bình (ngày)",
        0,
        0,
        numerator=None if days is None else _round(days),
        inferred=True,
        notes=["Chỉ theo dõi, không tính điểm; số ngày lịch từ tiếp nhận đến kết thúc xử lý"],
    )


def no_legal_time(count: int) -> Indicator:
    """2.3 Hồ sơ chưa có thời hạn luật định: shown, not scored. Their procedure has no legal time, so
    they have no appointment: counted neither on time nor late in 2.1 (ADR 0029)."""
    name = "Hồ sơ chưa có thời hạn luật định (không tính đúng hạn, trễ hạn)"
    ind = Indicator("2.3", name, 0, 0, numerator=count)
    if count:
        ind.notes.append("Thủ tục chưa có thời hạn luật định: bổ sung trong bảng thời hạn luật định")
    return ind


# --- group 3: DVCTT (12) ---------------------------------------------------------------------------


def online_service(full_online: int, eligible: int, sync_ratio: float | None, params: Params) -> Indicator:
    """3 Hồ sơ DVCTT toàn trình / hồ sơ của TTHC đủ điều kiện toàn trình (12).

    [inferred] score = min(12, 12 × ratio × sync ratio / target).
    """
    ratio = _ratio(full_online, eligible)
    adjusted = (ratio or 0) * (sync_ratio if sync_ratio is not None else 0)
    points = min(12.0, 12 * adjusted / params.online_target) if params.online_target > 0 else 0.0
    ind = Indicator(
        "3",
        "Hồ sơ trực tuyến toàn trình",
        _round(points),
        12,
        ratio=ratio,
        numerator=full_online,
        denominator=eligible,
        inferred=True,
    )
    ind.notes.append(
        f"Nhân với tỷ lệ đồng bộ (1.4) = {_round(sync_ratio or 0)}; mục tiêu {params.online_target}"
    )
    if params.online_needs_e_result:
        ind.notes.append("Hồ sơ trực tuyến đã có kết quả phải có kết quả điện tử mới được tính")
    return ind


# --- group 4: Thanh toán trực tuyến (10) ----------------------------------------------------------


def paid_online_dossiers(paid_online: int, fee_dossiers: int) -> Indicator:
    """3.6 Hồ sơ thanh toán trực tuyến (6): 6 × A."""
    ratio = _ratio(paid_online, fee_dossiers)
    return Indicator(
        "4.1",
        "Hồ sơ có nghĩa vụ tài chính được thanh toán trực tuyến",
        _round(6 * (ratio or 0)),
        6,
        ratio=ratio,
        numerator=paid_online,
        denominator=fee_dossiers,
    )


def procedures_with_online_payments(with_payments: int, fee_procedures: int, params: Params) -> Indicator:
    """3.5b TTHC có phát sinh giao dịch thanh toán trực tuyến (2): min(2, 2.5 × B)."""
    return _capped(
        "4.2",
        "TTHC có phát sinh thanh toán trực tuyến",
        with_payments,
        fee_procedures,
        params.payment_factor_b,
    )


def procedures_offering_payment(offered: int, fee_procedures: int, params: Params) -> Indicator:
    """3.5 TTHC có nghĩa vụ tài chính được cung cấp thanh toán trên Cổng DVCQG (2): min(2, 2.5 × C)."""
    ind = _capped(
        "4.3",
        "TTHC có nghĩa vụ tài chính được cung cấp thanh toán trực tuyến",
        offered,
        fee_procedures,
        params.payment_factor_c,
    )
    ind.notes.append("Cung cấp thanh toán: TTHC có mức độ trực tuyến toàn trình hoặc một phần")
    return ind


def _capped(code: str, name: str, numerator: int, denominator: int, factor: float) -> Indicator:
    ratio = _ratio(numerator, denominator)
    return Indicator(
        code,
        name,
        _round(min(2.0, factor * (ratio or 0))),
        2,
        ratio=ratio,
        numerator=numerator,
        denominator=denominator,
        inferred=True,
        notes=[f"min(2, {factor} × tỷ lệ)"],
    )


# --- group 5: Số hóa hồ sơ (22) -------------------------------------------------------------------


def _threshold(code, name, max_points, numerator, denominator, threshold, *, note=None) -> Indicator:
    """Generic rule: min(max, max × ratio / threshold); N/A when the source is missing (None)."""
    ind = Indicator(code, name, None, max_points, numerator=numerator, denominator=denominator)
    if numerator is None or denominator is None:
        ind.notes.append(note or "N/A: chưa có dữ liệu nguồn")
        return ind
    ind.ratio = _ratio(numerator, denominator)
    ind.points = _round(min(max_points, max_points * (ind.ratio or 0) / threshold)) if threshold > 0 else 0
    if threshold != 1:
        ind.notes.append(f"Đạt tối đa khi tỷ lệ ≥ {threshold:.0%}")
    return ind


def e_results(with_e_result: int, results_due: int, params: Params) -> Indicator:
    """4.1 Hồ sơ có kết quả điện tử (6) — ORIGINAL_RESULT_AVAILABLE."""
    return _threshold(
        "5.1", "Hồ sơ được cấp kết quả điện tử", 6, with_e_result, results_due, params.digitisation_threshold
    )


def digitised_dossiers(digitised: int, results_due: int, params: Params) -> Indicator:
    """4.2 Hồ sơ số hóa (4): every paper has a file (scanned or reused) and the result has a file."""
    return _threshold(
        "5.2",
        "Hồ sơ được số hóa thành phần và kết quả",
        4,
        digitised,
        results_due,
        params.digitisation_threshold,
    )


def certified_copies(done: int | None, due: int | None, params: Params) -> Indicator:
    """Bản sao điện tử chứng thực (2) — no data source yet."""
    return _threshold(
        "5.3",
        "Cấp bản sao điện tử chứng thực",
        2,
        done,
        due,
        params.digitisation_threshold,
        note="N/A: hệ thống chưa có dữ liệu chứng thực bản sao điện tử",
    )


def reused_data(reused: int, received: int, params: Params) -> Indicator:
    """4.3 Tái sử dụng dữ liệu số hóa (2), full marks at the 80 % threshold."""
    return _threshold("5.4", "Hồ sơ tái sử dụng dữ liệu số hóa", 2, reused, received, params.reuse_threshold)


def personal_store(from_store: int, received: int, params: Params) -> Indicator:
    """4.4 Đồng bộ với kho dữ liệu cá nhân trên Cổng DVCQG (4): a paper taken from the data store."""
    return _threshold(
        "5.5",
        "Hồ sơ lấy giấy tờ từ kho dữ liệu cá nhân",
        4,
        from_store,
        received,
        params.digitisation_threshold,
    )


def citizen_db_procedures(connected: int | None, procedures: int | None, params: Params) -> Indicator:
    """4.5a TTHC kết nối CSDL quốc gia về dân cư (2) — no catalog flag yet."""
    return _threshold(
        "5.6",
        "TTHC kết nối CSDL quốc gia về dân cư",
        2,
        connected,
        procedures,
        params.digitisation_threshold,
        note="N/A: danh mục TTHC chưa ghi nhận kết nối CSDL dân cư",
    )


def citizen_db_dossiers(using: int, received: int, params: Params) -> Indicator:
    """4.5b Hồ sơ sử dụng CSDL dân cư (2): account verified with VNeID ([inferred] see ADR 0018)."""
    ind = _threshold(
        "5.7", "Hồ sơ sử dụng dữ liệu từ CSDL dân cư", 2, using, received, params.digitisation_threshold
    )
    ind.inferred = True
    ind.notes.append("Tính: nộp trên Cổng DVCQG hoặc bằng tài khoản định danh điện tử (VNeID)")
    return ind


# --- group 6: Mức độ hài lòng (18) -----------------------------------------------------------------


def pakn_on_time(on_time: int, total: int) -> Indicator:
    """PAKN xử lý đúng hạn (6): 6 × ratio; 6 when there was no PAKN."""
    ind = Indicator(
        "6.1", "Phản ánh, kiến nghị được xử lý đúng hạn", 6.0, 6, numerator=on_time, denominator=total
    )
    if total:
        ind.ratio = _ratio(on_time, total)
        ind.points = _round(6 * (ind.ratio or 0))
    else:
        ind.notes.append("Không có phản ánh, kiến nghị: đạt tối đa")
    return ind


def pakn_satisfaction(total: int, disliked: int, overdue: int, repeated: int) -> Indicator:
    """PAKN hài lòng (6): (total − disliked − overdue − repeated) / total; 6 when there was none."""
    ind = Indicator("6.2", "Hài lòng về xử lý phản ánh, kiến nghị", 6.0, 6, denominator=total)
    if total:
        good = max(0, total - disliked - overdue - repeated)
        ind.numerator = good
        ind.ratio = _ratio(good, total)
        ind.points = _round(6 * (ind.ratio or 0))
        ind.notes.append(f"Trừ: {disliked} không hài lòng, {overdue} quá hạn, {repeated} lặp lại")
    else:
        ind.notes.append("Không có phản ánh, kiến nghị: đạt tối đa")
    return ind


def dossier_satisfaction(judged: int, overdue: int, complaints: int, params: Params) -> Indicator:
    """Hài lòng về tiếp nhận, giải quyết hồ sơ (6): 1 − (overdue rate + complaint rate), full at ≥90 %."""
    ind = Indicator("6.3", "Hài lòng về tiếp nhận và giải quyết hồ sơ", 0.0, 6, denominator=judged)
    if not judged:
        ind.notes.append("Không có hồ sơ đánh giá trong kỳ: 0 điểm")
        return ind
    ratio = min(1.0, max(0.0, 1 - overdue / judged - complaints / judged))
    ind.ratio = ratio
    ind.numerator = max(0, judged - overdue - complaints)
    target = params.satisfaction_target
    ind.points = _round(min(6.0, 6 * ratio / target)) if target > 0 else 0.0
    ind.notes.append(f"Trừ: {overdue} quá hạn, {complaints} có phản ánh hoặc không hài lòng")
    return ind


# --- the whole index -------------------------------------------------------------------------------


@dataclass
class IndexResult:
    groups: list[Group]
    params: Params

    @property
    def total(self) -> float:
        return _round(sum(g.points for g in self.groups))

    @property
    def max_available(self) -> float:
        """The points that could be earned with the data we have (N/A indicators left out)."""
        return _round(sum(i.max_points for g in self.groups for i in g.indicators if i.points is not None))

    @property
    def grade(self) -> str:
        return grade_for(self.total, self.params)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "max_points": 100,
            "max_available": self.max_available,
            "grade": self.grade,
            "grade_note": "[inferred] xếp loại theo MOTCUA_INDEX_GRADE_BANDS (QĐ 766 không quy định)",
            "groups": [g.as_dict() for g in self.groups],
            "params": self.params.as_dict(),
        }


def grade_for(total: float, params: Params) -> str:
    for minimum, grade in params.grade_bands:
        if total >= minimum:
            return grade
    return params.grade_bands[-1][1] if params.grade_bands else ""


def compute(c: Counts, params: Params | None = None) -> IndexResult:
    """The six groups and the total from one unit's counts."""
    params = params or Params()
    sync = dossier_sync(c.synced, c.received, c.sync_reference)
    groups = [
        Group(
            "CKMB",
            "Công khai, minh bạch",
            18,
            [
                publish_on_time(c.published_on_time, c.published),
                public_update_on_time(c.made_public_on_time, c.made_public),
                public_content_full(c.procedures_full_content, c.procedures),
                sync,
            ],
        ),
        Group(
            "TDGQ",
            "Tiến độ giải quyết",
            20,
            [
                resolution_on_time(c.judged_on_time, c.judged),
                average_resolution_time(c.average_days),
                no_legal_time(c.no_legal_time),
            ],
        ),
        Group(
            "DVCTT",
            "Dịch vụ công trực tuyến",
            12,
            [
                online_service(c.full_online, c.eligible_full_online, sync.ratio, params),
            ],
        ),
        Group(
            "TTTT",
            "Thanh toán trực tuyến",
            10,
            [
                paid_online_dossiers(c.fee_dossiers_paid_online, c.fee_dossiers),
                procedures_with_online_payments(c.fee_procedures_paid_online, c.fee_procedures, params),
                procedures_offering_payment(c.fee_procedures_offered_online, c.fee_procedures, params),
            ],
        ),
        Group(
            "MDSH",
            "Số hóa hồ sơ",
            22,
            [
                e_results(c.with_e_result, c.results_due, params),
                digitised_dossiers(c.digitised, c.results_due, params),
                certified_copies(c.certified_copies, c.certified_copies_due, params),
                reused_data(c.reuse_any, c.received, params),
                personal_store(c.from_data_store, c.received, params),
                citizen_db_procedures(c.citizen_db_procedures_connected, c.citizen_db_procedures, params),
                citizen_db_dossiers(c.citizen_db_dossiers, c.received, params),
            ],
        ),
        Group(
            "MDHL",
            "Mức độ hài lòng",
            18,
            [
                pakn_on_time(c.pakn_on_time, c.pakn),
                pakn_satisfaction(c.pakn, c.pakn_disliked, max(0, c.pakn - c.pakn_on_time), c.pakn_repeated),
                dossier_satisfaction(
                    c.judged, max(0, c.judged - c.judged_on_time), c.dossier_complaints, params
                ),
            ],
        ),
    ]
    return IndexResult(groups, params)
