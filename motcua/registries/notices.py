"""Notices the health system sends about a person (giấy chứng sinh điện tử), put into their data store.

The hospital issues the electronic birth notice and sends it through the health-insurance
connection (port `social_insurance`, method `birth_notices`); the parents' data store is where
the forms find it (`datastore:giay_chung_sinh:<field>` in the prefill) and where the life-event
suggestions can see that a child was born. `receive_notices(id_number)` asks the port and stores
each notice once (idempotent by its number); it runs when a citizen signs in (apps.py) and may be
called by any app that needs the notices now.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from motcua.people import datastore

from . import get
from .ports import BirthNotice, RegistryUnavailable

log = logging.getLogger(__name__)

BIRTH_NOTICE_KIND = "giay_chung_sinh"
BIRTH_NOTICE_TITLE = "Giấy chứng sinh điện tử"
GENDER_WORDS = {"male": "Nam", "female": "Nữ"}


def birth_notice_data(notice: BirthNotice) -> dict:
    """The fields the forms read (data/forms: `datastore:giay_chung_sinh:<field>`)."""
    return {
        "number": notice.number,
        "child_name": notice.child_name,
        "gender": GENDER_WORDS.get(notice.gender, notice.gender),
        "birth_date": notice.birth_date.isoformat(),
        "birth_place": notice.birth_place,
        "father_id": notice.father_id,
        "mother_id": notice.mother_id,
    }


def receive_notices(id_number: str) -> int:
    """Fetch the birth notices naming `id_number` as a parent and store them in that parent's data
    store; the number of notices held. RegistryUnavailable when the connection does not answer."""
    notices = get("social_insurance").birth_notices(id_number)
    for notice in notices:
        issued = notice.issued_on or notice.birth_date
        datastore.store(
            id_number,
            title=BIRTH_NOTICE_TITLE,
            source=f"health:birth:{notice.number}:{id_number}",
            kind=BIRTH_NOTICE_KIND,
            issued_at=timezone.make_aware(datetime(issued.year, issued.month, issued.day, 8)),
            issuer=notice.issued_by,
            data=birth_notice_data(notice),
        )
    return len(notices)


def receive_on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: a citizen's new notices arrive when they sign in. Never blocks the sign-in."""
    id_number = getattr(user, "personal_id", None)
    if getattr(user, "kind", "") == "officer" or not id_number:
        return
    try:
        receive_notices(id_number)
    except RegistryUnavailable:
        log.warning("birth notices not fetched at sign-in: the health connection did not answer")
    except Exception:  # noqa: BLE001 — a notice that cannot be fetched must not stop the sign-in
        log.exception("birth notices not fetched at sign-in")
