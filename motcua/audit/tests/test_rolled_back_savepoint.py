"""An audit entry after a rolled-back savepoint that created the chain heads still finds a chain."""

import pytest
from django.db import transaction

from motcua.audit import services
from motcua.audit.models import AuditChainHead, AuditEntry


@pytest.mark.django_db
def test_a_savepoint_rolled_back_with_the_heads_it_created_leaves_the_next_entry_a_chain():
    AuditChainHead.objects.all().delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                services.record("test.first")
                raise RuntimeError("the caller's step fails")
        except RuntimeError:
            pass
        entry = services.record("test.second")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert not AuditEntry.objects.filter(action="test.first").exists()
    assert services.verify().problems == []
