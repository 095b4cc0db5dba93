"""What the question asks about (ý định): papers, fees, time, where, online, conditions, result,
legal basis, steps. Several at once; none means an overview. Matched on folded text, so with or
without diacritics."""

from motcua.core.text import fold

#: intent → folded phrases that ask for it. Order is the order of the answer's sections.
INTENTS: dict[str, list[str]] = {
    "papers": [
        "giay to",
        "giay gi",
        "ho so gom",
        "ho so can",
        "can mang",
        "mang theo",
        "mang gi",
        "chuan bi",
        "can nhung gi",
        "can gi",
        "thanh phan",
        "nop nhung gi",
        "nop gi",
        "can co gi",
    ],
    "fees": [
        "le phi",
        "phi ",
        "bao nhieu tien",
        "mat tien",
        "ton tien",
        "het bao nhieu",
        "chi phi",
        "mien phi",
        "dong bao nhieu",
        "nop bao nhieu",
        "mat bao nhieu",
        "ton bao nhieu",
        "tra tien",
    ],
    "time": [
        "bao lau",
        "may ngay",
        "bao nhieu ngay",
        "thoi gian",
        "thoi han",
        "khi nao",
        "lau khong",
        "mat may",
        "bao gio",
        "may hom",
        "nhanh khong",
        "lau qua",
        "trong bao",
    ],
    "where": [
        "o dau",
        "noi nao",
        "co quan nao",
        "nop o",
        "den dau",
        "ai giai quyet",
        "cap nao",
        "cho nao",
        "dia chi",
        "lam o",
        "xin o",
        "noi nop",
        "di dau",
        "ra dau",
        "len dau",
        "phuong nao",
        "xa nao",
    ],
    "online": [
        "truc tuyen",
        "online",
        "qua mang",
        "tren mang",
        "dich vu cong",
        "nop qua",
        "vneid",
        "tai nha",
        "tren dien thoai",
        "qua dien thoai",
        "qua internet",
        "buu dien",
        "buu chinh",
    ],
    "conditions": ["dieu kien", "yeu cau gi", "ai duoc", "co duoc", "doi tuong", "du tuoi", "bao nhieu tuoi"],
    "result": ["ket qua", "nhan duoc gi", "duoc cap gi", "nhan gi"],
    "legal_basis": [
        "can cu",
        "phap ly",
        "nghi dinh",
        "thong tu",
        "luat nao",
        "quy dinh nao",
        "van ban nao",
        "theo luat",
        "quy dinh o dau",
        "co so phap",
    ],
    "steps": [
        "cac buoc",
        "trinh tu",
        "quy trinh",
        "lam the nao",
        "nhu the nao",
        "cach lam",
        "lam sao",
        "thu tuc ra sao",
    ],
}
#: Without a clear ask: the four things people want first.
OVERVIEW = ["papers", "fees", "time", "where"]
#: "I want a person" (gặp cán bộ): always a handover.
HUMAN = [
    "gap can bo",
    "noi chuyen voi can bo",
    "gap nguoi",
    "tong dai vien",
    "can bo tra loi",
    "chuyen can bo",
    "hoi can bo",
    "nguoi that",
]


def detect(question: str) -> list[str]:
    """The intents of a question, in answer order; [] when none is clear."""
    text = f" {fold(question)} "
    found = [intent for intent, phrases in INTENTS.items() if any(f" {p}" in text for p in phrases)]
    # "mấy ngày có kết quả" asks for the time, not for what the result is.
    if (
        "result" in found
        and "time" in found
        and text.count(" ket qua") == text.count(" co ket qua") + text.count(" lay ket qua")
    ):
        found.remove("result")
    return found


def asks_for_person(question: str) -> bool:
    text = f" {fold(question)} "
    return any(f" {p} " in text for p in HUMAN)
