"""`motcua payments …`: VietQR payloads, status queries, refunds, reconciliation, expiry.

motcua payments vietqr --bank-bin 970415 --account 0011001932418 --amount 120000 --ref "HS 0001"
motcua payments resolve            # ask the gateways about intents we heard nothing of
motcua payments refunds            # refund refused / stopped dossiers and duplicate payments
motcua payments reconcile --date 2026-03-02 [--gateway national|vietqr]
motcua payments resolve-line ID --user USERNAME --note "…"
motcua payments expire
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from motcua.payments import services, vietqr
from motcua.payments.access import access_reconciliation_line, may_resolve
from motcua.payments.gateways import GatewayError
from motcua.payments.models import Gateway


class Command(BaseCommand):
    help = "Thanh toán phí, lệ phí: VietQR, truy vấn, hoàn tiền, đối soát."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        qr = sub.add_parser("vietqr", help="In chuỗi VietQR (một dòng).")
        qr.add_argument("--bank-bin", required=True)
        qr.add_argument("--account", required=True)
        qr.add_argument("--amount", type=int)
        qr.add_argument("--ref", default="")
        sub.add_parser("resolve")
        sub.add_parser("assess", help="Xác định phí, lệ phí cho các hồ sơ đang chờ nghĩa vụ tài chính.")
        sub.add_parser("refunds")
        sub.add_parser("expire")
        match = sub.add_parser(
            "match", help="Ghi nhận các khoản có trong sao kê mà chưa nhận được thông báo."
        )
        match.add_argument("--date", required=True)
        match.add_argument("--gateway", choices=[Gateway.NATIONAL, Gateway.VIETQR], default=Gateway.VIETQR)
        rec = sub.add_parser("reconcile")
        rec.add_argument("--date", required=True)
        rec.add_argument("--gateway", choices=[Gateway.NATIONAL, Gateway.VIETQR])
        line = sub.add_parser("resolve-line")
        line.add_argument("line_id", type=int)
        line.add_argument("--user", required=True)
        line.add_argument("--note", required=True)

    def handle(self, *args, action, **opts):
        if action == "vietqr":
            try:
                text = vietqr.payload(
                    bank_bin=opts["bank_bin"],
                    account=opts["account"],
                    amount=opts["amount"],
                    reference=opts["ref"],
                )
            except vietqr.PayloadError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(text)
            return
        if action == "assess":
            self.stdout.write(f"Đã xác định phí, lệ phí cho {services.assess_waiting()} hồ sơ.")
        elif action == "resolve":
            self.stdout.write(f"Đã xác định kết quả {services.resolve_all_pending()} giao dịch.")
        elif action == "refunds":
            self.stdout.write(f"Đã hoàn tiền {services.refund_closed_dossiers()} giao dịch.")
        elif action == "expire":
            self.stdout.write(f"{services.expire_intents()} yêu cầu thanh toán hết hạn.")
        elif action == "match":
            try:
                count = services.match_statement(date.fromisoformat(opts["date"]), opts["gateway"])
            except (ValueError, GatewayError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"Đã ghi nhận {count} khoản từ sao kê.")
        elif action == "reconcile":
            try:
                day = date.fromisoformat(opts["date"])
            except ValueError:
                raise CommandError("Ngày phải có dạng YYYY-MM-DD.") from None
            for gateway in [opts["gateway"]] if opts["gateway"] else [Gateway.NATIONAL, Gateway.VIETQR]:
                try:
                    lines = services.reconcile(day, gateway)
                except GatewayError as exc:
                    raise CommandError(str(exc)) from None
                for line in lines:
                    self.stdout.write(
                        f"{line.pk}\t{gateway}\t{line.reference}\t{line.kind}\t"
                        f"{line.our_amount}\t{line.their_amount}"
                    )
        elif action == "resolve-line":
            from motcua.people.models import User

            user = User.objects.filter(username=opts["user"]).first()
            try:
                # The officer the note is recorded under must be one who could resolve it on screen.
                line = access_reconciliation_line(user, opts["line_id"]) if user is not None else None
            except Http404:
                line = None
            if line is None or user is None:
                raise CommandError("Không tìm thấy dòng đối soát hoặc người dùng.")
            if not may_resolve(user, line):
                raise CommandError(
                    "Chỉ quản trị hoặc cán bộ tiếp nhận của cơ quan có giao dịch được xử lý dòng này."
                )
            try:
                services.resolve_line(line, user, opts["note"])
            except services.PaymentError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write("Đã ghi nhận cách xử lý.")
