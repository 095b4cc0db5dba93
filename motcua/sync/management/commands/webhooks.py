"""`motcua webhooks …`: the webhooks to subscribed systems (ADR 0020).

* `list` — the subscriptions, what they hear and their queue (pending / sent / dead);
* `deliver [--once]` — send what is due (once: until nothing more goes; else forever, every few seconds);
* `dead-letters [--replay ID …|--all]` — list the deliveries that gave up, or queue them again;
* `test <subscription>` — POST a signed `webhook.test` ping now and print the answer.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q


class Command(BaseCommand):
    help = (
        "Webhook tới các hệ thống đăng ký nhận: `list` danh sách đăng ký; `deliver` gửi hàng đợi; "
        "`dead-letters` xem, gửi lại tin lỗi; `test <tên hoặc số>` gửi thử một sự kiện."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "deliver", "dead-letters", "test"])
        parser.add_argument("subscription", nargs="?", help="(test) tên hoặc số của đăng ký")
        parser.add_argument("--once", action="store_true", help="(deliver) gửi hết tin đến hạn rồi dừng")
        parser.add_argument(
            "--replay", type=int, nargs="+", default=None, help="(dead-letters) gửi lại các tin này"
        )
        parser.add_argument("--all", action="store_true", help="(dead-letters) gửi lại mọi tin lỗi")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "list":
            return self._list()
        if action == "deliver":
            return self._deliver(options["once"])
        if action == "dead-letters":
            return self._dead_letters(options["replay"], options["all"])
        return self._test(options["subscription"])

    def _list(self):
        from motcua.sync.models import WebhookDelivery, WebhookSubscription

        State = WebhookDelivery.State
        rows = WebhookSubscription.objects.prefetch_related("agencies").annotate(
            pending=Count("deliveries", filter=Q(deliveries__state=State.PENDING)),
            sent=Count("deliveries", filter=Q(deliveries__state=State.SENT)),
            dead=Count("deliveries", filter=Q(deliveries__state=State.DEAD)),
        )
        self.stdout.write(f"{len(rows)} đăng ký nhận webhook.")
        for s in rows:
            state = "hoạt động" if s.active else "tạm dừng"
            agencies = ", ".join(sorted(a.code for a in s.agencies.all())) or "(không cơ quan nào)"
            self.stdout.write(f"  #{s.pk} {s.name} ({state}) → {s.url}")
            self.stdout.write(f"      sự kiện: {', '.join(s.event_types) or '(không)'}; cơ quan: {agencies}")
            self.stdout.write(f"      pending={s.pending} sent={s.sent} dead={s.dead}")

    def _deliver(self, once: bool):
        from django.conf import settings

        from motcua.sync.webhooks import deliver_all, deliver_due

        from ._delivery import deliver

        deliver(
            self.stdout,
            deliver_all,
            deliver_due,
            settings.MOTCUA_WEBHOOK_DELIVER_EVERY,
            "Đã gửi {sent} tin webhook." if once else "",
        )

    def _dead_letters(self, replay_ids, replay_all: bool):
        from motcua.sync.webhooks import dead_letters, replay

        if replay_ids or replay_all:
            count = replay(None if replay_all else replay_ids)
            self.stdout.write(f"Đã đưa {count} tin webhook lỗi trở lại hàng đợi.")
            return
        rows = list(dead_letters())
        self.stdout.write(f"{len(rows)} tin webhook không gửi được.")
        for d in rows:
            self.stdout.write(
                f"  #{d.pk} {d.subscription.name} {d.topic} {d.dossier_code} "
                f"(thử {d.attempts} lần, mã sự kiện {d.event_id}): {d.last_error}"
            )

    def _test(self, key):
        from motcua.sync.models import WebhookDelivery, WebhookSubscription
        from motcua.sync.webhooks import send_test

        if not key:
            raise CommandError("Cần tên hoặc số của đăng ký: motcua webhooks test <đăng ký>.")
        query = Q(name=key) | (Q(pk=int(key)) if key.isdigit() else Q())
        subscription = WebhookSubscription.objects.filter(query).first()
        if subscription is None:
            raise CommandError(f"Không có đăng ký nhận webhook «{key}».")
        delivery = send_test(subscription)
        if delivery.state != WebhookDelivery.State.SENT:
            raise CommandError(f"«{subscription.name}» chưa nhận được sự kiện thử: {delivery.last_error}")
        self.stdout.write(
            f"«{subscription.name}» đã nhận sự kiện thử {delivery.event_id} (HTTP {delivery.last_status})."
        )
