"""Officers are picked by name in the assignment lists; a username only tells namesakes apart."""

from types import SimpleNamespace

from motcua.backoffice.forms import people_choices


def officer(pk, username, full_name):
    return SimpleNamespace(pk=pk, username=username, full_name=full_name)


def test_assignment_lists_show_names_not_usernames():
    choices = people_choices(
        [officer(1, "demo.cv1.000.00.04.h52", "Hoàng Thị Lan"), officer(2, "cv2", "Lò Văn Pâng")]
    )
    assert choices == [("1", "Hoàng Thị Lan"), ("2", "Lò Văn Pâng")]


def test_namesakes_are_told_apart_by_username_and_a_nameless_account_by_its_username():
    choices = people_choices(
        [officer(1, "lan.a", "Hoàng Thị Lan"), officer(2, "lan.b", "Hoàng Thị Lan"), officer(3, "x9", "")]
    )
    assert choices == [("1", "Hoàng Thị Lan (lan.a)"), ("2", "Hoàng Thị Lan (lan.b)"), ("3", "x9")]
