"""The demo's bulk writer fills the blind indexes of the ID numbers it writes (ADR 0048)."""

from motcua.core import crypto
from motcua.demo.bulk import with_blind_indexes
from motcua.people.models import DataStoreItem

NUMBER = "014090001111"


def test_the_demo_bulk_writer_fills_the_indexes():
    columns, rows = with_blind_indexes(DataStoreItem, ["id", "owner_id_number"], [(1, NUMBER), (2, "")])
    assert columns == ["id", "owner_id_number", "owner_id_index"]
    assert rows == [(1, NUMBER, crypto.blind_index(NUMBER)), (2, "", "")]
