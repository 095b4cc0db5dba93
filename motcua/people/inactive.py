"""Disable officer accounts unused for too long (vô hiệu hoá tài khoản không sử dụng; level 3: 45 days).

A dormant officer account is a door nobody watches. The worker runs `disable_inactive` daily; an
administrator turns an account back on in the admin (is_active), and the officer then signs in
with the password and TOTP code as usual.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from motcua.audit import services as audit

from .models import User


def inactive_officers(now=None, days: int | None = None):
    """Active officers (kind officer, holders of a role, or staff) not signed in for `days` days.

    Never signed in counts from the day the account was created."""
    days = settings.MOTCUA_OFFICER_INACTIVE_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    officers = Q(kind=User.Kind.OFFICER) | Q(roles__isnull=False) | Q(is_staff=True) | Q(is_superuser=True)
    unused = Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    return User.objects.filter(officers, unused, is_active=True).distinct()


def disable_inactive(now=None, days: int | None = None) -> int:
    """Disable them, one audit entry each; returns how many. Does nothing when the setting is 0."""
    days = settings.MOTCUA_OFFICER_INACTIVE_DAYS if days is None else days
    if days <= 0:
        return 0
    disabled = 0
    for user in inactive_officers(now, days).only("pk", "username", "last_login"):
        with transaction.atomic():
            # Conditional update: an officer signing in meanwhile keeps the account.
            if User.objects.filter(pk=user.pk, is_active=True, last_login=user.last_login).update(
                is_active=False
            ):
                audit.record(
                    "people.officer_disabled_inactive",
                    obj=user,
                    data={"days": days, "last_login": user.last_login},
                )
                disabled += 1
    return disabled
