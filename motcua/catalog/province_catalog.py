"""The province's catalogue as the generators see it (danh mục thủ tục của tỉnh).

The in-force procedures the province carries out, ranked by popularity (the most common first,
then a deterministic score), with their receiving and implementing agencies, legal times and fees
per catalogue channel (online, counter, post). Read by the demo history (`motcua.demo`) and the
national portal's sandbox adapter (`motcua.sync.portal`), so that both draw the same procedures.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from motcua.people.synthetic import pick_weighted, weighted_table
from motcua.places.models import AdminUnit, Agency

from . import legaltimes
from .models import Channel, OnlineLevel, Procedure, ProcedureAgency

#: The procedures a province receives most, most common first (by name: chứng thực, hộ tịch,
#: cư trú, đất đai, hộ kinh doanh, lý lịch tư pháp …). The rest follow by a deterministic score.
COMMON_PROCEDURES = [
    "2.000815",  # Chứng thực bản sao từ bản chính
    "1.001193",  # Đăng ký khai sinh
    "2.000884",  # Chứng thực chữ ký
    "1.004222",  # Đăng ký thường trú
    "1.004194",  # Đăng ký tạm trú
    "1.004873",  # Cấp Giấy xác nhận tình trạng hôn nhân
    "2.000635",  # Cấp bản sao Trích lục hộ tịch
    "1.012783",  # Cấp đổi Giấy chứng nhận quyền sử dụng đất
    "1.000656",  # Đăng ký khai tử
    "1.000894",  # Đăng ký kết hôn
    "1.012793",  # Đăng ký biến động đất đai
    "3.000333",  # Cấp Phiếu lý lịch tư pháp
    "1.001612",  # Đăng ký thành lập hộ kinh doanh
    "1.002755",  # Gia hạn tạm trú
    "1.003197",  # Xóa đăng ký thường trú
    "1.010028",  # Xóa đăng ký tạm trú
    "1.004884",  # Đăng ký lại khai sinh
    "3.000348",  # Cấp lại giấy phép lái xe
    "2.001610",  # Đăng ký thành lập doanh nghiệp tư nhân
    "1.001266",  # Chấm dứt hoạt động hộ kinh doanh
]
ZIPF_EXPONENT = 1.07
_CITIZEN_SUBJECTS = {"Công dân Việt Nam", "Người Việt Nam định cư ở nước ngoài", "Người nước ngoài"}


@dataclass
class ProcedureInfo:
    procedure: Procedure
    online: bool
    province: list[Agency]  # receiving agencies for the province-level procedure
    commune: bool  # received at the communes' centres
    impl_by_unit: dict[int, Agency]
    department: Agency | None
    citizen_share: float
    requirements: list[tuple[int, str, int, int]]
    legal: dict[str, tuple[Decimal | None, str]] = field(default_factory=dict)
    fee: dict[str, int] = field(default_factory=dict)

    def handling_agency(self, receiving: Agency) -> Agency:
        """`intake.handling_agency_for`, from the links read once."""
        same = self.impl_by_unit.get(receiving.admin_unit_id)
        if same is not None:
            return same
        return self.department or receiving


def _is_online(procedure: Procedure, methods) -> bool:
    if procedure.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        return True
    return procedure.online_level == OnlineLevel.UNKNOWN and any(m.channel == "online" for m in methods)


class ProvinceCatalog:
    """The in-force procedures the province carries out, ranked by popularity, with their agencies."""

    def __init__(self, province_code: str | None = None):
        code = (province_code or settings.MOTCUA_PROVINCE_CODE).zfill(2)
        self.province = AdminUnit.objects.get(code=code)
        agencies = {
            a.pk: a
            for a in Agency.objects.filter(is_active=True).select_related("admin_unit").order_by("code")
        }
        self.agencies = agencies
        self.commune_centres = [
            a for a in agencies.values() if a.kind == Agency.Kind.COMMUNE_CENTER and a.admin_unit_id
        ]
        links = defaultdict(list)
        for proc_id, agency_id, role in (
            ProcedureAgency.objects.filter(agency__is_active=True)
            .order_by("pk")
            .values_list("procedure_id", "agency_id", "role")
        ):
            links[proc_id].append((agencies[agency_id], role))
        procedures = (
            Procedure.objects.filter(status=Procedure.Status.IN_FORCE)
            .exclude(current_version=None)
            .filter(Q(at_province=True) | Q(at_commune=True))
            .select_related("current_version")
            .prefetch_related("current_version__methods", "current_version__documents")
            .order_by("code")
        )
        common = {c: i for i, c in enumerate(COMMON_PROCEDURES)}
        infos = []
        for p in procedures:
            plinks = links.get(p.pk, [])
            implementing = [a for a, r in plinks if r == ProcedureAgency.Role.IMPLEMENTING]
            if not implementing:
                continue
            receiving = [a for a, r in plinks if r == ProcedureAgency.Role.RECEIVING]
            impl_by_unit: dict[int, Agency] = {}
            for a in implementing:
                impl_by_unit.setdefault(a.admin_unit_id, a)
            departments = [
                a
                for a in implementing
                if a.kind in (Agency.Kind.DEPARTMENT, Agency.Kind.PROVINCIAL_COMMITTEE)
            ]
            province_receivers = [a for a in receiving if a.kind == Agency.Kind.PROVINCIAL_CENTER]
            if p.at_province and not province_receivers and departments:
                province_receivers = departments[:1]
            commune = p.at_commune and any(a.kind == Agency.Kind.COMMUNE_CENTER for a in receiving)
            if not province_receivers and not commune:
                continue
            version = p.current_version
            methods = list(version.methods.all())
            subjects = set(version.target_subjects or [])
            citizen_share = 1.0 if not subjects else (0.9 if subjects & _CITIZEN_SUBJECTS else 0.0)
            docs = list(version.documents.all())
            first_group = docs[0].group if docs else ""
            requirements = [(d.pk, d.name, d.originals, d.copies) for d in docs if d.group == first_group][:6]
            info = ProcedureInfo(
                p,
                _is_online(p, methods),
                province_receivers if p.at_province else [],
                commune,
                impl_by_unit,
                departments[0] if departments else None,
                citizen_share,
                requirements,
            )
            for channel in Channel.values:
                resolved = legaltimes.resolve(version, channel)
                info.legal[channel] = (resolved.amount, resolved.unit) if resolved.known else (None, "")
                amounts = [
                    a
                    for m in methods
                    if m.channel == channel and m.fee_status == "paid"
                    for a in (m.fee_amounts or [])
                    if isinstance(a, int | float) and 0 < a < 100_000_000
                ]
                info.fee[channel] = int(min(amounts)) if amounts else 0
            infos.append(info)

        def score(info: ProcedureInfo):
            p = info.procedure
            return (
                common.get(p.code, len(common)),
                -p.provincial_listings,
                not p.at_commune,
                p.online_level not in (OnlineLevel.FULL, OnlineLevel.PARTIAL),
                p.code,
            )

        self.ranked = sorted(infos, key=score)
        self.online_ranked = [i for i in self.ranked if i.online]
        self.all_table = self._zipf(self.ranked)
        self.online_table = self._zipf(self.online_ranked)

    @staticmethod
    def _zipf(items):
        return weighted_table([(item, 1 / (rank**ZIPF_EXPONENT)) for rank, item in enumerate(items, start=1)])

    def pick(self, rng: random.Random, online: bool) -> ProcedureInfo:
        return pick_weighted(rng, self.online_table if online else self.all_table)
