"""Build data/guide/questions.csv: the assistant's labelled everyday questions.

Each procedure has everyday subjects written by hand the way people say them (not its catalog
name); each subject is asked in two of the question patterns below (which ones is fixed by its
position, so the file is reproducible). Subjects alternate between the dev and the test split, so
no test question shares its subject wording with a dev question. Run:
    python scripts/guide_questions.py > data/guide/questions.csv
"""

import csv
import sys
import unicodedata

PATTERNS = [
    ("{s} cần giấy tờ gì", "papers"),
    ("{s} mất bao nhiêu tiền", "fees"),
    ("{s} bao lâu thì xong", "time"),
    ("{s} nộp hồ sơ ở đâu", "where"),
    ("{s} có làm online được không", "online"),
    ("muốn {s} thì làm sao", ""),
    ("{s}", ""),
    ("cho em hỏi {s} cần chuẩn bị những gì ạ", "papers"),
    ("{s} lệ phí bao nhiêu, mấy ngày có kết quả", "fees time"),
    ("điều kiện để {s} là gì", "conditions"),
    ("{s} thì làm thế nào", "steps"),
    ("{s} được nhận lại giấy gì", "result"),
]

# (expected codes, [subjects…]) — everyday wording, several per procedure.
SUBJECTS = [
    (
        "1.001193",
        [
            "làm giấy khai sinh cho con",
            "đi khai sinh cho bé mới đẻ",
            "dang ky khai sinh cho em be",
            "khai sinh cho đứa nhỏ",
        ],
    ),
    (
        "1.000656",
        [
            "làm giấy báo tử cho bố",
            "nhà có người mất làm khai tử",
            "khai tu cho ong noi",
            "đăng ký khai tử cho mẹ vợ",
        ],
    ),
    (
        "1.000894",
        [
            "đăng ký kết hôn",
            "hai đứa muốn làm giấy đăng ký kết hôn",
            "lam giay ket hon",
            "cưới xong đi đăng kí kết hôn",
        ],
    ),
    (
        "1.004873",
        [
            "xin giấy xác nhận độc thân",
            "xác nhận tình trạng hôn nhân để mua nhà",
            "xin giay xac nhan chua ket hon",
            "làm giấy xác nhận chưa vợ",
        ],
    ),
    (
        "1.004222",
        [
            "nhập hộ khẩu cho vợ về nhà chồng",
            "đăng ký thường trú ở nhà mới mua",
            "nhap khau cho con",
            "chuyển hộ khẩu về quê",
        ],
    ),
    (
        "1.004194",
        [
            "đăng ký tạm trú chỗ trọ",
            "sinh viên thuê trọ khai tạm trú",
            "dang ky tam tru nha thue",
            "làm tạm trú cho công nhân ở trọ",
        ],
    ),
    ("1.002755", ["tạm trú hết hạn muốn gia hạn", "gia hạn tạm trú", "gia han tam tru phong tro"]),
    ("1.003197", ["cắt hộ khẩu", "xoá thường trú cho người đã chuyển đi", "xoa dang ky thuong tru"]),
    ("1.010041", ["xin giấy xác nhận cư trú", "xin mẫu CT07 xác nhận nơi ở", "xac nhan cu tru de nop ho so"]),
    (
        "1.003677",
        ["đi làm xa báo tạm vắng", "khai báo tạm vắng", "khai bao tam vang khi di xuat khau lao dong"],
    ),
    ("1.010038", ["tách hộ khẩu ra ở riêng", "tach ho khi da lap gia dinh", "con cái ra riêng muốn tách hộ"]),
    (
        "1.014063 2.001195 1.000889",
        [
            "căn cước hết hạn đổi thẻ mới",
            "đổi cccd khi đủ 25 tuổi",
            "doi the can cuoc vi sai thong tin",
            "thẻ căn cước bị hỏng muốn đổi",
        ],
    ),
    (
        "1.014064 2.001194 1.000757",
        [
            "mất căn cước làm lại",
            "bi mat the can cuoc",
            "đánh rơi thẻ căn cước công dân",
            "làm lại thẻ căn cước bị mất cắp",
        ],
    ),
    (
        "1.014061 2.000200 1.001247",
        [
            "làm căn cước lần đầu cho con 14 tuổi",
            "lam the can cuoc lan dau",
            "con vừa đủ 14 tuổi đi làm căn cước",
        ],
    ),
    (
        "1.014062 1.012549 1.012543",
        [
            "làm căn cước cho bé 5 tuổi",
            "lam can cuoc cho tre duoi 14 tuoi",
            "con nhỏ có làm căn cước được không",
        ],
    ),
    (
        "3.000228",
        ["kích hoạt VNeID mức 2", "dang ky dinh danh dien tu muc 2", "làm tài khoản định danh điện tử"],
    ),
    (
        "1.001456 1.001471",
        [
            "làm hộ chiếu đi du lịch",
            "lam passport lan dau",
            "xin hộ chiếu phổ thông",
            "làm hộ chiếu cho con đi nước ngoài",
        ],
    ),
    (
        "1.001445 2.000539 1.010385 1.010386",
        ["làm mất hộ chiếu", "bao mat passport", "hộ chiếu bị mất cắp báo ở đâu"],
    ),
    (
        "3.000333",
        [
            "xin lý lịch tư pháp để đi làm",
            "lam phieu ly lich tu phap so 1",
            "xin lý lịch tư pháp đi xuất khẩu lao động",
            "cần phiếu lý lịch tư pháp nộp hồ sơ xin việc",
        ],
    ),
    (
        "3.000347",
        [
            "đổi bằng lái xe hết hạn",
            "doi giay phep lai xe sang the pet",
            "bằng lái ô tô sắp hết hạn đổi lại",
            "đổi bằng lái xe máy giấy bìa",
        ],
    ),
    ("3.000348", ["mất bằng lái xe làm lại", "cap lai bang lai bi mat", "bằng lái xe bị rơi mất cấp lại"]),
    ("3.000346", ["thi bằng lái xe máy", "lay bang lai o to", "học lái xe xong cấp bằng"]),
    (
        "3.000353",
        ["đổi bằng lái quốc tế", "lam bang lai xe quoc te", "xin giấy phép lái xe quốc tế đi nước ngoài"],
    ),
    ("1.013076", ["sang tên xe máy mua lại", "mua xe cũ sang ten doi chu", "sang tên ô tô cho người mua"]),
    (
        "1.013067 1.012575",
        ["đăng ký biển số xe máy mới mua", "bấm biển số xe mới", "dang ky xe moi mua lan dau"],
    ),
    ("1.013080 1.013082", ["mất cà vẹt xe", "mat giay dang ky xe may", "giấy đăng ký xe bị mất làm lại"]),
    ("1.005103", ["đăng kiểm ô tô", "dang kiem xe oto dinh ky", "mang xe ô tô đi kiểm định"]),
    (
        "2.000815",
        [
            "công chứng photo giấy tờ",
            "chung thuc ban sao can cuoc",
            "sao y bản chính bằng tốt nghiệp",
            "chứng thực bản sao sổ hộ khẩu",
        ],
    ),
    (
        "2.000884",
        ["chứng thực chữ ký", "xac nhan chu ky tren don", "ký tên trên giấy ủy quyền cần chứng thực"],
    ),
    (
        "2.001035",
        [
            "công chứng hợp đồng mua bán đất ở xã",
            "chung thuc hop dong tang cho nha",
            "chứng thực hợp đồng chuyển nhượng đất ở ủy ban",
        ],
    ),
    ("2.000635", ["xin trích lục khai sinh", "xin ban sao giay khai sinh", "mất giấy khai sinh xin bản sao"]),
    (
        "1.004859",
        [
            "sửa sai ngày sinh trong giấy khai sinh",
            "cai chinh ho tich sai ten",
            "giấy khai sinh ghi sai quê quán",
            "đổi tên cho con trong khai sinh",
        ],
    ),
    ("1.001022", ["nhận con cho con ngoài giá thú", "dang ky nhan cha con", "bố muốn nhận con đẻ"]),
    ("2.001263", ["nhận con nuôi", "nhan chau lam con nuoi", "xin con nuôi trong nước"]),
    ("1.004837", ["làm giám hộ cho cháu mồ côi", "dang ky giam ho", "nhận giám hộ cho người già lẫn"]),
    (
        "2.000806",
        [
            "lấy chồng Hàn Quốc đăng ký kết hôn",
            "ket hon voi nguoi nuoc ngoai",
            "cưới vợ người Trung Quốc làm giấy kết hôn",
        ],
    ),
    (
        "2.000528",
        [
            "khai sinh cho con có bố người nước ngoài",
            "khai sinh con lai",
            "con có mẹ người Lào làm khai sinh",
        ],
    ),
    (
        "1.001612",
        [
            "mở quán cà phê đăng ký kinh doanh",
            "dang ky ho kinh doanh ca the",
            "mở tiệm tạp hóa xin giấy phép kinh doanh",
            "lập hộ kinh doanh bán quần áo",
        ],
    ),
    (
        "1.001266",
        [
            "đóng cửa hộ kinh doanh",
            "nghi ban dong ho kinh doanh",
            "chấm dứt hộ kinh doanh vì không buôn bán nữa",
        ],
    ),
    (
        "1.001570",
        [
            "tạm nghỉ bán hàng hộ kinh doanh",
            "tam ngung kinh doanh ho ca the",
            "hộ kinh doanh tạm ngưng vài tháng",
        ],
    ),
    (
        "2.000720",
        ["đổi ngành nghề hộ kinh doanh", "thay doi dia chi ho kinh doanh", "hộ kinh doanh đổi chủ hộ"],
    ),
    ("2.000575", ["mất giấy phép kinh doanh hộ cá thể", "cap lai giay chung nhan ho kinh doanh bi mat"]),
    (
        "2.001583",
        ["mở công ty TNHH một thành viên", "thanh lap cong ty tnhh 1 thanh vien", "lập cty một chủ"],
    ),
    ("2.002043", ["thành lập công ty cổ phần", "mo cong ty co phan", "lập công ty cổ phần với bạn bè"]),
    ("2.001610", ["mở doanh nghiệp tư nhân", "thanh lap doanh nghiep tu nhan"]),
    ("2.002023", ["giải thể công ty", "dong cua cong ty giai the", "công ty làm ăn thua lỗ muốn giải thể"]),
    ("2.002029", ["công ty tạm ngừng kinh doanh", "cty tam nghi kinh doanh mot nam"]),
    ("2.002041", ["đổi địa chỉ trụ sở công ty", "doi ten cong ty"]),
    ("2.002069", ["mở chi nhánh công ty", "lap van phong dai dien cong ty"]),
    (
        "1.008498",
        ["lấy mã số thuế cá nhân", "dang ky ma so thue ca nhan", "đăng ký mã số thuế người phụ thuộc"],
    ),
    (
        "2.002233",
        [
            "quyết toán thuế thu nhập cá nhân",
            "quyet toan thue tncn hoan thue",
            "tự quyết toán thuế tiền lương",
        ],
    ),
    ("1.007277", ["lệ phí trước bạ nhà đất", "khai le phi truoc ba khi mua dat"]),
    ("1.011022", ["khai thuế hộ kinh doanh", "ho kinh doanh dong thue khoan"]),
    ("1.010337", ["đăng ký dùng hóa đơn điện tử", "dang ky hoa don dien tu cho cong ty"]),
    (
        "1.013978 1.012753",
        [
            "làm sổ đỏ lần đầu",
            "cap so do lan dau cho dat ong ba de lai",
            "xin cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        ],
    ),
    ("1.012786", ["mất sổ đỏ làm lại", "so hong bi mat", "sổ đỏ bị cháy mất cấp lại"]),
    ("1.012783", ["đổi sổ đỏ cũ sang mẫu mới", "so do bi rach cap doi", "sổ hồng bị ố nhòe muốn đổi"]),
    (
        "1.013831",
        ["sang tên sổ đỏ khi mua đất", "chuyen nhuong dat sang ten", "bố mẹ cho đất sang tên cho con"],
    ),
    ("1.012784", ["tách thửa đất chia cho con", "tach so do", "gộp hai thửa đất làm một"]),
    (
        "1.013949 1.013823",
        [
            "chuyển đất vườn lên đất ở",
            "chuyen muc dich su dung dat len tho cu",
            "lên thổ cư cho mảnh đất nông nghiệp",
        ],
    ),
    ("1.011441", ["thế chấp sổ đỏ vay ngân hàng đăng ký", "dang ky the chap quyen su dung dat"]),
    ("1.011443", ["xóa thế chấp sổ đỏ", "tra no xong xoa the chap so hong"]),
    ("1.012790 1.012796", ["sổ đỏ ghi sai tên", "dinh chinh so do sai dien tich"]),
    ("1.012812", ["hàng xóm lấn đất nhờ xã hòa giải", "hoa giai tranh chap dat dai"]),
    (
        "1.013225",
        ["xin giấy phép xây nhà", "xin phep xay dung nha o", "xây nhà 3 tầng có phải xin phép không"],
    ),
    ("1.013229", ["sửa nhà có cần xin phép", "xin phep cai tao nha"]),
    ("1.013227", ["gia hạn giấy phép xây dựng", "giay phep xay dung het han chua xay xong"]),
    (
        "1.001613",
        [
            "rút bảo hiểm xã hội một lần",
            "nhan bhxh 1 lan",
            "nghỉ việc lãnh bảo hiểm một lần",
            "lấy tiền bảo hiểm xã hội một cục",
        ],
    ),
    (
        "2.000693",
        ["hưởng chế độ thai sản khi sinh con", "che do thai san", "vợ sinh con được nhận tiền thai sản"],
    ),
    ("1.001667", ["nghỉ ốm hưởng bảo hiểm", "che do om dau bhxh"]),
    ("2.000821", ["nhận tiền tử tuất khi bố mất", "che do tu tuat"]),
    ("1.002179", ["mua bảo hiểm xã hội tự nguyện", "dong bhxh tu nguyen"]),
    (
        "1.001294 1.001327",
        ["mất thẻ bảo hiểm y tế", "cap lai the bhyt bi mat", "thẻ bảo hiểm y tế bị rách xin lại"],
    ),
    ("2.000639 1.003116", ["làm thẻ bảo hiểm y tế", "cap the bhyt"]),
    ("1.001601", ["nhận lương hưu thay cho mẹ", "uy quyen linh thay luong huu"]),
    (
        "1.013133",
        [
            "đăng ký nghĩa vụ quân sự lần đầu",
            "du 17 tuoi dang ky nghia vu quan su",
            "con trai 17 tuổi đi đăng ký quân sự",
        ],
    ),
    (
        "1.013134",
        ["chuyển chỗ ở thì chuyển nghĩa vụ quân sự", "chuyen dang ky nghia vu quan su khi doi noi o"],
    ),
    (
        "2.001478 1.003204",
        ["xin giấy chứng nhận an ninh trật tự mở nhà nghỉ", "giay an ninh trat tu kinh doanh cam do"],
    ),
    ("2.001159", ["khách ở nhà nghỉ báo lưu trú", "thong bao luu tru cho khach"]),
    ("3.000489", ["thẩm duyệt phòng cháy nhà xưởng", "tham dinh thiet ke pccc"]),
    ("3.000490", ["nghiệm thu phòng cháy chữa cháy", "nghiem thu pccc cong trinh"]),
    ("2.001077", ["đổi tiền rách", "tien bi chay doi o dau"]),
    ("1.001803", ["giám định tiền giả", "nghi nhan tien gia muon kiem tra"]),
    ("2.000829", ["nhờ trợ giúp pháp lý miễn phí", "xin tro giup phap ly cho nguoi ngheo"]),
    ("1.003091", ["yêu cầu thi hành án", "ben kia khong tra tien theo ban an"]),
    ("1.011607 1.011606", ["xin công nhận hộ nghèo", "dang ky ho can ngheo"]),
    ("2.002039", ["người nước ngoài xin nhập quốc tịch Việt Nam", "nhap quoc tich viet nam"]),
    ("2.002036 1.005141", ["xin thôi quốc tịch Việt Nam", "bo quoc tich viet nam"]),
    ("1.002757 1.002756", ["xin e-visa cho bạn nước ngoài", "cap thi thuc dien tu"]),
    ("1.013272", ["xin phép bay flycam", "bay drone quay phim xin phep"]),
    ("1.014632", ["mua nhà ở xã hội", "dang ky mua nha o xa hoi"]),
    ("1.002693", ["chặt cây xanh trước nhà", "xin phep chat cay tren via he"]),
    ("1.014159", ["xem quy hoạch đất", "cung cap thong tin quy hoach"]),
    ("1.003494", ["đi du lịch Trung Quốc bằng giấy thông hành", "lam giay thong hanh sang trung quoc"]),
    ("3.000275", ["tài khoản VNeID bị khóa mở lại", "mo khoa tai khoan dinh danh dien tu"]),
    ("1.008510", ["mã số thuế bị đóng muốn mở lại", "khoi phuc ma so thue"]),
    ("1.000703", ["xin giấy phép kinh doanh vận tải ô tô", "mo cong ty van tai xin giay phep"]),
    ("2.002288", ["xin phù hiệu xe tải", "cap phu hieu xe kinh doanh van tai"]),
    ("1.001662", ["khoan giếng phải đăng ký", "dang ky khai thac nuoc ngam"]),
    ("1.014257 1.014236", ["xin phép khai thác cát", "giay phep khai thac khoang san"]),
    ("1.010727 1.010719", ["xin giấy phép môi trường cho xưởng", "cap giay phep moi truong"]),
    ("1.002338", ["kiểm dịch heo chở sang tỉnh khác", "kiem dich dong vat van chuyen"]),
    ("1.004756", ["xin chứng chỉ hành nghề thú y", "lam chung chi thu y"]),
    ("1.004363", ["bán thuốc trừ sâu cần giấy gì", "mo cua hang thuoc bao ve thuc vat"]),
    ("1.013274", ["mượn vỉa hè làm đám cưới", "xin phep su dung tam thoi long duong"]),
    (
        "1.012564",
        ["sửa thông tin sai trên dữ liệu dân cư", "dieu chinh thong tin trong co so du lieu dan cu"],
    ),
    ("1.012566", ["xác nhận số chứng minh nhân dân cũ", "xin giay xac nhan so cmnd 9 so"]),
    ("3.000165", ["xin sao bản án", "sao ban an cua toa"]),
    ("1.013442", ["khai báo kiếm gia truyền", "khai bao vu khi tho so trung bay"]),
    ("2.000554", ["ly hôn ở nước ngoài ghi vào sổ", "ghi chu ly hon o nuoc ngoai"]),
    ("1.001146 1.003326", ["người nước ngoài gia hạn tạm trú", "gia han tam tru cho nguoi nuoc ngoai"]),
    ("1.001632", ["bị tai nạn lao động hưởng chế độ", "che do tai nan lao dong"]),
    ("1.000586", ["làm vàng trang sức xin giấy chứng nhận", "san xuat vang trang suc"]),
    ("1.012906", ["chứng chỉ môi giới nhà đất", "cap chung chi moi gioi bat dong san"]),
    ("2.002637", ["lập tổ hợp tác", "dang ky to hop tac"]),
    ("1.013834", ["mở văn phòng công chứng", "thanh lap van phong cong chung"]),
    ("2.002835", ["đào ao nuôi cá có phải đăng ký", "dang ky su dung mat nuoc"]),
    ("1.014776", ["đăng ký mã số vùng trồng sầu riêng", "cap ma so vung trong"]),
    ("1.004088 1.004047", ["đăng ký xuồng máy chở khách", "dang ky phuong tien thuy noi dia"]),
    ("1.003650", ["đăng ký tàu cá", "dang ky ghe danh ca"]),
    ("1.001328", ["mang vàng ra nước ngoài khi định cư", "giay phep mang vang xuat canh"]),
    ("1.000028", ["xin giấy phép xe chở quá tải", "xe qua kho gioi han luu hanh"]),
    ("2.000740", ["lương hưu chuyển sang nhận qua tài khoản", "linh luong huu qua the ngan hang"]),
    (
        "2.000986",
        ["con mới sinh làm khai sinh thường trú bảo hiểm cùng lúc", "lien thong khai sinh thuong tru bhyt"],
    ),
    ("1.004045", ["thi vào trường công an", "tuyen sinh truong cong an"]),
    ("3.000422", ["thi vào trường quân đội", "tuyen sinh truong quan doi"]),
    ("1.013237", ["chứng chỉ hành nghề xây dựng", "cap chung chi hanh nghe hoat dong xay dung"]),
    ("1.009664", ["nhà đầu tư nước ngoài xin chứng nhận đầu tư", "giay chung nhan dang ky dau tu"]),
    ("1.008128", ["trang trại nuôi bò lớn xin chứng nhận", "dieu kien chan nuoi trang trai quy mo lon"]),
    ("1.000616", ["kinh doanh vàng miếng xin phép", "giay phep mua ban vang mieng"]),
    ("1.000526", ["mở đại lý thu đổi ngoại tệ", "dai ly doi ngoai te"]),
    ("2.001019", ["chứng thực di chúc", "lam di chuc o uy ban xa"]),
    ("1.013101", ["kiểm định khí thải xe máy", "kiem tra khi thai xe gan may"]),
    ("1.013138", ["đi làm xa đăng ký nghĩa vụ quân sự tạm vắng", "dang ky tam vang nghia vu quan su"]),
]


def build(out=sys.stdout):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["question", "expected", "intents", "split"])
    n = 0
    for expected, subjects in SUBJECTS:
        for subject in subjects:
            split = "dev" if n % 2 == 0 else "test"  # alternate subjects: disjoint wording
            for k in (0, 1):
                template, intents = PATTERNS[(n * 5 + k * 7) % len(PATTERNS)]
                question = unicodedata.normalize("NFC", template.format(s=subject))
                writer.writerow([question, expected, intents, split])
            n += 1


if __name__ == "__main__":
    build()
