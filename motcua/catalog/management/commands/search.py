from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.search import search_procedures


class Command(BaseCommand):
    help = "Tìm thủ tục: in mỗi kết quả một dòng, mã thủ tục, dấu tab, rồi tên."

    def add_arguments(self, parser):
        parser.add_argument("query", help="câu tìm kiếm, có hoặc không dấu")
        parser.add_argument("--limit", type=int, default=10)

    def handle(self, *args, query, limit, **options):
        if not 1 <= limit <= 100:
            raise CommandError("--limit phải từ 1 đến 100.")
        hits = search_procedures(query, limit)
        if not hits:
            self.stderr.write("Không tìm thấy thủ tục nào phù hợp.")
        for hit in hits:
            self.stdout.write(f"{hit.code}\t{hit.name}")
