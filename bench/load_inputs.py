"""Run inside the load bench's prepared database: the sessions and inputs its simulated people use.

    python -m bench.load_inputs OUT.json   (called by bench/load.py with the bench's environment)

Sessions are written into the session store as the sign-in would leave them: residents signed in
with the eID, officers and the monitor with their second factor verified (the sign-in itself is
measured by the eID's own tests, not here).
"""

import json
import sys

import django


def _session(user, **extra) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.update(extra)
    session.create()
    return session.session_key


def _officer(username: str) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from motcua.people.models import User

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.get(user=user)
    return _session(user, otp_device_id=device.persistent_id)


def inputs() -> dict:
    from django.utils import timezone

    from motcua.api import services as api_services
    from motcua.backoffice.queues import QUEUES
    from motcua.catalog.models import Procedure
    from motcua.dossiers.models import Dossier
    from motcua.people.models import User
    from motcua.places.models import Agency
    from motcua.registries.sandbox import person_at

    residents = []
    for i in range(100, 260):
        person = person_at(i)
        if person.deceased_on:
            continue
        user, _ = User.objects.get_or_create(
            username="load-" + person.id_number,
            defaults={"kind": "citizen", "personal_id": person.id_number, "full_name": person.full_name},
        )
        residents.append(_session(user, eid_sub=person.id_number, signed_in_at=timezone.now().isoformat()))
    dossiers = Dossier.objects.exclude(applicant_id_index="")
    pairs = dossiers.values_list("code", "applicant_id_number")[:300]
    tracked = [{"code": code, "id_number": id_number} for code, id_number in pairs]
    specialist = User.objects.get(username="chuyenvien")
    agency_ids = list(specialist.roles.values_list("agency_id", flat=True))
    mine = Dossier.objects.filter(handling_agency_id__in=agency_ids).values_list("code", flat=True)
    agency = Agency.objects.get(pk=agency_ids[0])
    client, secret = api_services.create_client(
        "bench load", [agency.code], "dossiers:read procedures:read", created_by="bench"
    )
    online = Procedure.objects.filter(online_level="full").values_list("code", flat=True)
    return {
        "residents": residents,
        "officers": [_officer(name) for name in ("chuyenvien", "tiepnhan", "lanhdao")],
        "monitor": _officer("giamsat"),
        "tracked": tracked,
        "officer_dossiers": list(mine[:300]),
        "queues": list(QUEUES)[:6],
        "procedures": list(online[:200]),
        "searches": ["khai sinh", "dang ky ket hon", "ho kinh doanh", "giay phep lai xe", "thuong tru"],
        "form_start": "/nop-ho-so/2.000635/",
        "form_page2": {
            "record_kind": "Khai sinh",
            "birth_registration_number": "12/2026",
            "copies": "1",
            "result_delivery": "Nhận trực tuyến",
        },
        "api_client": client.client_id,
        "api_secret": secret,
    }


if __name__ == "__main__":
    django.setup()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(inputs(), out)
