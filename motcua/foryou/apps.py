"""Proactive services and life events (dịch vụ công chủ động, sự kiện cuộc sống), floor 5."""

from django.apps import AppConfig


class ForyouConfig(AppConfig):
    name = "motcua.foryou"
    label = "foryou"
    verbose_name = "Dịch vụ công chủ động"

    def ready(self):
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in

        from motcua.core import events, jobs

        from . import feed, nightly, pending, recommendations, services

        pending.register_adapters()  # core.adapters: "registry_feed" (sandbox, http)

        jobs.register("foryou.nightly", nightly.run, at=settings.MOTCUA_FORYOU_NIGHTLY_AT)
        # Registry events (a birth, a death, a document renewed, a business registered): the people
        # they name are re-evaluated within a minute (feed.py, its own cursor on the event log).
        jobs.register(feed.CONSUMER, feed.run, 60)
        # The learned recommender, rebuilt from the province's dossiers (issue 15).
        jobs.register("foryou.recommender", recommendations.rebuild_job, at=settings.MOTCUA_RECOMMENDER_AT)
        events.subscribe(services.on_event)
        user_logged_in.connect(services.on_sign_in, dispatch_uid="foryou.on_sign_in")
