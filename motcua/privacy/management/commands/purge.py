"""`motcua purge [--dry-run] [--json]`: apply the retention policy now (the worker does it nightly)."""

import json

from django.core.management.base import BaseCommand

from motcua.audit.services import record as audit_record
from motcua.privacy import retention


class Command(BaseCommand):
    help = "Xóa nhật ký và dữ liệu quá thời hạn lưu giữ (--dry-run: chỉ đếm, không xóa)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm số dòng sẽ bị xóa")
        parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def handle(self, *args, dry_run=False, **options):
        outcomes = retention.purge(dry_run=dry_run)
        if not dry_run:
            counts = {o.kind: o.rows for o in outcomes if o.rows is not None}
            audit_record("privacy.purge", actor="cli", object_type="retention", data=counts)
        if options["json"]:
            self.stdout.write(json.dumps(retention.as_dicts(outcomes), ensure_ascii=False, indent=2))
            return
        verb = "sẽ xóa" if dry_run else "đã xóa"
        for o in outcomes:
            rows = "—" if o.rows is None else o.rows
            keep = "; ".join(part for part in (f"giữ {o.days} ngày" if o.days else "", o.note) if part)
            self.stdout.write(f"{o.kind:28} {verb} {rows:>8}   {keep}")
