"""`motcua api client create|list|deactivate`: the systems that may call the REST API.

    motcua api client create --name "Cổng DVC quốc gia" --agency 000.00.04.H52 \
        --scopes "dossiers:read dossiers:write results:read"

prints the client id and its secret; the secret is stored only as a digest and never shown again.
"""

from django.core.management.base import BaseCommand, CommandError

from motcua.api import services
from motcua.api.models import SCOPES, ApiClient


class Command(BaseCommand):
    help = "Hệ thống kết nối API: `api client create|list|deactivate`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        client = sub.add_parser("client", help="hệ thống kết nối")
        actions = client.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="tạo hệ thống kết nối, in khóa bí mật một lần")
        create.add_argument("--name", required=True)
        create.add_argument("--agency", action="append", required=True, help="mã cơ quan (lặp lại được)")
        create.add_argument("--scopes", required=True, help=f"cách nhau bởi dấu cách: {' '.join(SCOPES)}")
        actions.add_parser("list", help="liệt kê")
        off = actions.add_parser("deactivate", help="khóa và thu hồi mã truy cập")
        off.add_argument("client_id")

    def handle(self, *args, what, action, **options):
        try:
            if action == "create":
                client, secret = services.create_client(
                    options["name"], options["agency"], options["scopes"], created_by="motcua api"
                )
                self.stdout.write(f"client_id:     {client.client_id}")
                self.stdout.write(f"client_secret: {secret}")
                self.stdout.write(f"scopes:        {' '.join(client.scopes)}")
                self.stdout.write(
                    "Lưu khóa bí mật ngay: hệ thống chỉ giữ mã băm và không hiển thị lại. "
                    "Lấy mã truy cập: POST /api/v1/oauth/token (grant_type=client_credentials)."
                )
            elif action == "list":
                for client in ApiClient.objects.prefetch_related("agencies"):
                    agencies = ",".join(sorted(a.code for a in client.agencies.all()))
                    state = "hoạt động" if client.is_active else "đã khóa"
                    self.stdout.write(
                        f"{client.client_id}\t{state}\t{client.name}\t{agencies}\t{' '.join(client.scopes)}"
                    )
            elif action == "deactivate":
                client = services.deactivate_client(options["client_id"], by="motcua api")
                self.stdout.write(f"Đã khóa {client.client_id} và thu hồi các mã truy cập.")
        except services.ClientError as exc:
            raise CommandError(exc.message) from None
