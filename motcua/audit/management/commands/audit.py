from django.core.management.base import BaseCommand, CommandError

from motcua.audit import services


class Command(BaseCommand):
    help = (
        "Nhật ký kiểm toán: `audit verify` kiểm tra các chuỗi mã băm có khóa, các mốc neo và dấu thời gian "
        "của chúng; `audit anchor` ghi mốc neo ngay; `audit purge` xóa các bản ghi quá thời hạn lưu trữ; "
        "`audit rotate-key [--chain] [--signing] [--recorded]` thay khóa chuỗi và/hoặc khóa ký mốc neo "
        "(bản ghi cũ vẫn kiểm tra được); `audit tsa-sandbox [--port N]` chạy TSA thử nghiệm "
        "(RFC 3161 qua HTTP)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "anchor", "purge", "rotate-key", "tsa-sandbox"])
        parser.add_argument("--chain", action="store_true", help="rotate-key: khóa HMAC của các chuỗi.")
        parser.add_argument("--signing", action="store_true", help="rotate-key: khóa Ed25519 ký mốc neo.")
        parser.add_argument(
            "--recorded",
            action="store_true",
            help="rotate-key --chain: khóa mới đã được đặt đầu MOTCUA_AUDIT_KEY trên mọi máy; chỉ ghi nhận.",
        )
        parser.add_argument("--host", default="127.0.0.1", help="tsa-sandbox: địa chỉ nghe.")
        parser.add_argument("--port", type=int, default=8318, help="tsa-sandbox: cổng.")

    def handle(self, *args, action, **options):
        if action == "anchor":
            self.stdout.write(services.anchor())
            return
        if action == "purge":
            self.stdout.write(f"Đã xóa {services.purge_before()} bản ghi quá thời hạn lưu trữ.")
            return
        if action == "rotate-key":
            return self._rotate(**options)
        if action == "tsa-sandbox":
            return self._tsa_sandbox(**options)
        result = services.verify()
        for note in result.notes:
            self.stdout.write(f"Lưu ý: {note}")
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"Nhật ký kiểm toán KHÔNG toàn vẹn: {len(result.problems)} lỗi / {result.checked} bản ghi."
            )
        stamped = f", {result.stamped} dấu thời gian RFC 3161" if result.stamped else ""
        self.stdout.write(
            f"Nhật ký kiểm toán toàn vẹn: {result.checked} bản ghi, {result.anchors} mốc neo{stamped}."
        )

    def _rotate(self, chain=False, signing=False, recorded=False, **options):
        if not (chain or signing):
            chain = signing = True
        if chain:
            try:
                new_id, retired = services.rotate_chain_key(recorded=recorded)
            except (RuntimeError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Khóa chuỗi mới {new_id}; các khóa {', '.join(retired)} chỉ còn dùng để kiểm tra bản ghi cũ."
            )
        if signing:
            old, new = services.rotate_signing_key()
            self.stdout.write(
                f"Khóa ký mốc neo mới {new}; khóa {old} đã được thay "
                "(giữ khóa công khai để kiểm tra mốc neo cũ)."
            )

    def _tsa_sandbox(self, host="127.0.0.1", port=8318, **options):
        from motcua.audit import tsa_sandbox

        server = tsa_sandbox.Server(tsa_sandbox.SandboxTSA(), host=host, port=port)
        self.stdout.write(
            f"TSA thử nghiệm (RFC 3161) tại {server.url}\n"
            f"  MOTCUA_AUDIT_TSA_URL={server.url}\n"
            f"  MOTCUA_AUDIT_TSA_CA={server.tsa.ca_file}\n"
            "Ctrl-C để dừng."
        )
        self.stdout.flush()
        try:
            server.httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.httpd.server_close()
