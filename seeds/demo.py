"""The demo district: 12 schools, their departments, about 40 staff each, delegates, the
demo accounts (all with the password `union-demo`), two years of anonymous feedback, and two
years of skill competitions with the honours register.
Deterministic: a fixed random seed (only the two demo receipts' salted hashes differ)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import product

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from db.competitions import (
    AwardTier,
    Competition,
    CompetitionEvent,
    Entrant,
    Honour,
    HonourKind,
    Judge,
    JudgeScore,
    ScoreSheet,
    Segment,
    StandingRow,
    SubjectGroup,
)
from db.feedback import FEEDBACK_CATEGORIES, FeedbackCase, FeedbackMessage, MotionLead
from db.models import (
    Account,
    AccountRole,
    Base,
    CongressTerm,
    DelegateMembership,
    Department,
    District,
    School,
    Staff,
)
from services import receipts
from services.auth import hash_password
from services.org import DEFAULT_DEPARTMENTS
from services.scoring import CENT, EntrantScores, SegmentRule, TierRule, award, cutoffs, rank

DEMO_DISTRICT_CODE = "DEMO"
DEMO_PASSWORD = "union-demo"
SEED = 20261125
STAFF_PER_SCHOOL = 40
DELEGATES_PER_SCHOOL = 10

SCHOOLS = (
    ("MH01", "明湖区实验小学"), ("MH02", "明湖区第一中学"), ("MH03", "明湖区第二中学"),
    ("MH04", "明湖区育才小学"), ("MH05", "明湖区外国语学校"), ("MH06", "明湖区城南小学"),
    ("MH07", "明湖区湖滨中学"), ("MH08", "明湖区幼儿园"), ("MH09", "明湖区职业高级中学"),
    ("MH10", "明湖区向阳小学"), ("MH11", "明湖区特殊教育学校"), ("MH12", "明湖区桂花路小学"),
)
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
            "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
            "黎贺顾毛郝龚邵万钱严")
GIVEN_F = "静丽敏燕艳娟霞芳婷雪琳慧玲颖倩晶洁佳欣怡梅兰萍红丹莉蓉秀英华"
GIVEN_M = "伟强磊军勇杰涛斌明超刚辉鹏华飞宇浩峰建国平志俊彬文林波亮晨"
SUBJECTS = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治",
            "体育", "音乐", "美术", "信息技术", "科学")
TITLES = ("三级教师", "二级教师", "一级教师", "高级教师", "正高级教师")


def chinese_name(rng: random.Random, gender: str) -> str:
    pool = GIVEN_F if gender == "F" else GIVEN_M
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def database_is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(District)) == 0


def holds_demo(session: Session) -> bool:
    return session.scalar(select(District.id).where(District.code == DEMO_DISTRICT_CODE)) \
        is not None


def wipe(session: Session) -> None:
    """Empty every table, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(delete(table))
    session.expunge_all()  # SQLite may reuse the ids of deleted rows


def load_demo(session: Session, progress: Callable[[str], None] = lambda _msg: None) -> None:
    rng = random.Random(SEED)
    progress("district")
    district = District(code=DEMO_DISTRICT_CODE, name="明湖区教育工会")
    session.add(district)
    session.flush()
    school_ids: list[int] = []
    dept_ids: dict[int, list[int]] = {}
    for code, name in SCHOOLS:
        school = School(district_id=district.id, code=code, name=name, kind="school",
                        active=True)
        school.departments = [Department(name=d) for d in DEFAULT_DEPARTMENTS]
        session.add(school)
        session.flush()
        school_ids.append(school.id)
        dept_ids[school.id] = [d.id for d in school.departments]

    progress("staff")
    staff_rows = []
    for school_id, (code, _name) in zip(school_ids, SCHOOLS, strict=True):
        for n in range(1, STAFF_PER_SCHOOL + 1):
            gender = "F" if rng.random() < 0.68 else "M"
            retired = n > STAFF_PER_SCHOOL - 4  # the last four of each school are retired
            birth_year = rng.randint(1950, 1962) if retired else rng.randint(1968, 2001)
            staff_rows.append({
                "school_id": school_id,
                "department_id": rng.choice(dept_ids[school_id]),
                "staff_no": f"{code}-{n:04d}",
                "name": chinese_name(rng, gender),
                "gender": gender,
                "birth_date": dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
                "subject": rng.choice(SUBJECTS),
                "title": rng.choice(TITLES),
                "retired": retired,
            })
    session.execute(insert(Staff), staff_rows)

    progress("delegates")
    staff_by_school: dict[int, list[tuple[int, str]]] = {}
    for sid, school_id, name in session.execute(
            select(Staff.id, Staff.school_id, Staff.name).where(Staff.retired.is_(False))
            .order_by(Staff.id)):
        staff_by_school.setdefault(school_id, []).append((sid, name))
    delegate_rows = []
    for school_id in school_ids:
        term = CongressTerm(school_id=school_id, number=6, start_year=2024, end_year=2028)
        session.add(term)
        session.flush()
        for sid, _name in staff_by_school[school_id][:DELEGATES_PER_SCHOOL]:
            delegate_rows.append({"term_id": term.id, "staff_id": sid,
                                  "delegation": "教师代表团"})
    session.execute(insert(DelegateMembership), delegate_rows)

    progress("accounts")
    first_school = school_ids[0]
    first_staff = staff_by_school[first_school]
    academic_office = dept_ids[first_school][DEFAULT_DEPARTMENTS.index("教务处")]
    # The chair and the department head are staff beyond the first ten (the delegates).
    chair_staff, dept_staff = first_staff[DELEGATES_PER_SCHOOL], first_staff[11]
    demo_accounts = [
        ("district", "区工会管理员", None, [("district_admin", None, None)]),
        ("chair", chair_staff[1], chair_staff[0], [("school_chair", first_school, None)]),
        ("dept", dept_staff[1], dept_staff[0],
         [("department_head", first_school, academic_office)]),
        ("delegate", first_staff[0][1], first_staff[0][0], [("delegate", first_school, None)]),
        ("delegate2", first_staff[1][1], first_staff[1][0], [("delegate", first_school, None)]),
        ("delegate3", first_staff[2][1], first_staff[2][0], [("delegate", first_school, None)]),
        ("auditor", "经审委员", None, [("auditor", None, None)]),
    ]
    for username, display, staff_id, grants in demo_accounts:
        account = Account(username=username, display_name=display, staff_id=staff_id,
                          password_hash=hash_password(DEMO_PASSWORD), enabled=True,
                          failed_logins=0)
        account.roles = [AccountRole(role=r, school_id=s, department_id=d)
                         for r, s, d in grants]
        session.add(account)
    session.flush()

    progress("feedback")
    account_ids = dict(session.execute(select(Account.username, Account.id)).all())
    load_feedback(session, school_ids, chair=account_ids["chair"],
                  district=account_ids["district"], delegate_staff_id=first_staff[0][0])

    progress("competitions")
    load_competitions(session, school_ids, chair=account_ids["chair"],
                      district=account_ids["district"], delegate_staff_id=first_staff[0][0])
    progress("done")


# --- 教职工意见箱 ----------------------------------------------------------------------------
# Texts shared with the scale generator, which draws from the same pools.

FEEDBACK_FIRST_DAY = dt.date(2024, 11, 25)
FEEDBACK_LAST_DAY = dt.date(2026, 11, 24)
# The retention job last ran in spring: cases closed before then are gone, and those closed
# from then until 180 days ago are due for deletion.
FEEDBACK_PURGED_BEFORE = dt.date(2026, 4, 1)
DISTRICT_FEEDBACK_CASES = 25

# Two receipts that work in the demo: code → (school code or None for the district, status).
DEMO_RECEIPTS: dict[str, tuple[str | None, str]] = {
    "1125202611250001": ("MH01", "replied"),  # with a public reply and an internal note
    "1125202611250002": (None, "new"),
}

FEEDBACK_TEXTS: dict[str, tuple[str, ...]] = {
    "teaching": (
        "这学期我的课时排到了每周18节，还兼两个班的班主任，备课和批改作业的时间严重不足，"
        "希望学校合理安排课时。",
        "晚自习和课后服务排班不均，有的老师一周四个晚上，有的一次都没有，建议公开排班规则。",
        "教研活动经常安排在中午休息时间，老师们下午上课很疲惫，能否调整到下午课后？",
        "新教材只发了电子文件，没有组织集中培训，希望学校请教研员来系统讲一讲。",
        "一学期要求听课20节以上，还有各种公开课任务，建议根据教龄和岗位适当减少。",
    ),
    "logistics": (
        "食堂最近饭菜涨价了，分量却变少，口味也一般，希望工会和食堂沟通一下。",
        "教师宿舍三楼的热水器坏了两个星期还没人来修，冬天洗澡很不方便。",
        "办公室的空调夏天一直不制冷，报修好几次都说要等，老师们在办公室根本待不住。",
        "学校停车位太少，早上来晚了只能停在校外路边，经常被贴罚单。",
        "教学楼卫生间水龙头漏水、门锁坏了很久，请后勤尽快维修。",
    ),
    "pay": (
        "上学期的绩效工资到现在还没有发放，也没有任何说明，大家都很关心什么时候能发。",
        "绩效工资分配方案没有经过教代会讨论就执行了，班主任津贴和一线教师的差距太小。",
        "课后服务补贴有的月份发了有的月份没发，希望公布发放标准和明细。",
        "今年体检只安排了基础项目，希望工会争取增加女教职工的专项检查。",
        "职称评上半年了工资还没有调整，请帮忙问一下人事部门。",
    ),
    "management": (
        "每周会议太多：周一例会、年级会、教研会，很多内容发个通知就可以，希望精简会议。",
        "各种检查材料和台账反复填报，同样的内容要交好几个版本，占用了大量教学时间。",
        "工作群晚上十点以后还在布置任务，希望规定下班后非紧急事情不在群里发。",
        "评优评先名额的分配过程不透明，希望公布评选标准和结果。",
        "校务公开栏很久没有更新，学校的重大事项老师们都是听说的。",
    ),
    "ethics": (
        "听说有老师在校外办辅导班，还动员本班学生参加，家长有意见，希望学校重视。",
        "有个别老师在课堂上用侮辱性的语言批评学生，影响很不好，建议加强师德教育。",
        "家长群里有家长给老师送购物卡，老师虽然退回了，但希望学校统一提醒。",
        "收受家长礼品的情况仍然存在，建议工会配合学校开展师德专题学习。",
    ),
    "other": (
        "希望工会多组织一些教职工文体活动，比如羽毛球比赛和春游。",
        "会员生日慰问品每年都一样，能不能换成电影票或者书卡，让大家自己选？",
        "退休老教师的慰问活动希望继续办下去，也欢迎在职老师一起参加。",
        "学校门口的路口早晚高峰很危险，能否协调交警在上下学时段安排值勤？",
        "希望学校开设教职工心理健康讲座，工作压力大的老师越来越多。",
    ),
}
_OPENINGS = ("", "", "您好，", "工会领导好：", "各位委员好，")
_CLOSINGS = ("", "", "希望尽快答复。", "谢谢工会！", "麻烦帮忙反映一下。", "盼回复。")
# Every opening × text × closing: enough variety for the scale generator, without work per row.
FEEDBACK_BODIES: dict[str, tuple[str, ...]] = {
    category: tuple(dict.fromkeys(a + text + b for a, text, b in
                                  product(_OPENINGS, texts, _CLOSINGS)))
    for category, texts in FEEDBACK_TEXTS.items()
}
REPLY_TEXTS: dict[str, tuple[str, ...]] = {
    "teaching": (
        "您好，来信已收到。工会已与教务处沟通，下学期排课将统筹考虑课时和班主任工作量。",
        "感谢反映。学校已同意把教研活动调到下午课后，具体安排见下周通知。",
    ),
    "logistics": (
        "您好，已转后勤处处理，维修人员本周内上门，修好后请在这里留言确认。",
        "工会已约谈食堂承包方，下月起公示菜价并增加菜品，欢迎继续监督。",
    ),
    "pay": (
        "您好，经向财务和人事部门了解，上学期绩效工资将于本月底前发放到位。",
        "分配方案将提交下次教代会讨论，届时请通过本校代表提出意见。",
    ),
    "management": (
        "感谢建议。学校行政会已决定合并部分例会，一般事项改为书面通知。",
        "工会已向校长室反映，学校将明确下班后工作群的使用规范。",
    ),
    "ethics": (
        "来信已收到，学校高度重视，已按规定调查处理，并将开展师德专题教育。",
        "感谢监督。相关情况已转纪检部门核实，将依规处理。",
    ),
    "other": (
        "谢谢您的建议，工会正在筹备春季教职工趣味运动会，欢迎报名参加。",
        "您好，建议已记录，工会委员会将在下次会议上研究。",
    ),
}
DISTRICT_REPLY_TEXTS = (
    "区教育工会已收到，并已转区教育局相关科室，处理结果将在这里答复。",
    "经区工会与学校核实，学校已作出整改，感谢您的反映。",
    "区工会将在下月的学校工会主席例会上通报此类问题，督促各校落实。",
)
NOTE_TEXTS = (
    "已电话联系分管副校长，等待答复。",
    "同类问题本月已收到多条，建议列入下次教代会议题。",
    "内容涉及具体个人，注意保护来信人，不在会上宣读原文。",
    "已转相关处室，约定两周内反馈。",
    "下周工会委员会讨论。",
)
CLOSING_NOTES = (
    "与另一条来信内容相同，合并处理。",
    "已在教代会上统一答复，结案。",
    "情况已核实处理，结案。",
)
FORWARD_NOTES = (
    "涉及区级政策，学校层面无法解决，转区工会。",
    "涉及学校领导，按规定转区工会处理。",
    "多次反映未解决，提请区工会协调。",
)
RETURN_NOTES = (
    "属学校管理事项，退回学校工会处理。",
    "已与学校沟通，请学校工会跟进并答复来信人。",
)
FOLLOW_UP_TEXTS = (
    "谢谢答复，希望能尽快落实。",
    "问题到现在还没有解决，请再催一下。",
    "补充一下：不只是我们年级，其他年级也有同样的情况。",
)
THANKS_TEXTS = ("收到，谢谢工会！", "已经解决了，谢谢！", "谢谢，辛苦了。")

# How many messages of each category, as cumulative shares.
_CATEGORY_CUMULATIVE = tuple(zip(FEEDBACK_CATEGORIES, (0.25, 0.5, 0.7, 0.85, 0.9, 1.0),
                                 strict=True))
# Status by age in days: the last weeks' cases mostly new or opened, older ones mostly closed.
_STATUS_BY_AGE = (
    (14, (0.45, 0.70, 0.90)),
    (90, (0.10, 0.25, 0.60)),
    (365, (0.03, 0.08, 0.30)),
    (None, (0.01, 0.02, 0.08)),
)
# Where a case went: kept by the school's union, forwarded to the district union ("up"), sent
# there and back ("up_down"), or sent to the district union in the first place.
ROUTES = ("school", "up", "up_down", "district")
_DAYS = tuple(dt.timedelta(days=n) for n in range(60))


def pick_category(rng: random.Random) -> str:
    u = rng.random()
    return next(category for category, share in _CATEGORY_CUMULATIVE if u < share)


def pick_status(rng: random.Random, age_days: int) -> str:
    """new, opened, replied or closed; forwarding is up to the route (feedback_story)."""
    shares = next(s for limit, s in _STATUS_BY_AGE if limit is None or age_days <= limit)
    u = rng.random()
    return ("new" if u < shares[0] else "opened" if u < shares[1]
            else "replied" if u < shares[2] else "closed")


def pick_school_route(rng: random.Random, forwarded_share: float) -> str:
    """A school case's route; one forwarded case in eight comes back to the school."""
    u = rng.random()
    return ("up_down" if u < forwarded_share / 8 else "up" if u < forwarded_share
            else "school")


Entry = tuple[str, str | None, str, dt.date]  # kind, level, text, day


@dataclass(frozen=True)
class FeedbackStory:
    status: str
    at_district: bool
    district_involved: bool
    closed_on: dt.date | None
    receipt_used_on: dt.date
    entries: list[Entry]


def feedback_story(rng: random.Random, category: str, route: str, status: str,
                   sent_on: dt.date, last_day: dt.date) -> FeedbackStory:
    """What happened to a case that ended in `status`: forwards, notes, replies and the
    writer's answers, on days that never go back nor past last_day. A forwarded case that
    nobody answered since is "forwarded", whatever status was asked for."""
    forwarded = route in ("up", "up_down")
    if forwarded and status in ("new", "opened"):
        status = "forwarded"
    elif not forwarded and status == "forwarded":
        status = "opened"
    level = "district" if route == "district" else "school"
    entries: list[Entry] = []
    day = used = sent_on

    def later(most: int) -> dt.date:
        return min(last_day, day + _DAYS[rng.randrange(most)])

    def add(kind: str, text: str) -> None:
        entries.append((kind, None if kind == "writer" else level, text, day))

    def answer() -> None:
        district = level == "district" and rng.random() < 0.5
        add("public", rng.choice(DISTRICT_REPLY_TEXTS if district else REPLY_TEXTS[category]))

    if forwarded:
        day = later(7)
        if rng.random() < 0.7:
            add("internal", rng.choice(FORWARD_NOTES))
        level = "district"
        if route == "up_down":
            day = later(10)
            add("internal", rng.choice(RETURN_NOTES))
            level = "school"
    if status == "new" and rng.random() < 0.2:  # answered, then the writer wrote back
        day = later(10)
        answer()
        day = used = later(10)
        add("writer", rng.choice(FOLLOW_UP_TEXTS))
    elif status == "opened" and rng.random() < 0.5:
        day = later(5)
        add("internal", rng.choice(NOTE_TEXTS))
    elif status == "replied":
        if rng.random() < 0.3:
            day = later(5)
            add("internal", rng.choice(NOTE_TEXTS))
        day = later(15)
        answer()
        if rng.random() < 0.15:
            day = used = later(10)
            add("writer", rng.choice(FOLLOW_UP_TEXTS))
            day = later(10)
            answer()
    closed_on = None
    if status == "closed":
        if rng.random() < 0.75:
            if rng.random() < 0.2:
                day = later(5)
                add("internal", rng.choice(NOTE_TEXTS))
            day = later(20)
            answer()
            if rng.random() < 0.3:
                day = used = later(7)
                add("writer", rng.choice(THANKS_TEXTS))
        else:
            day = later(20)
            add("internal", rng.choice(CLOSING_NOTES))
        closed_on = day = later(10)
    if used == sent_on and entries and rng.random() < 0.5:  # the writer came to read
        used = later(10)
    return FeedbackStory(status, level == "district", route != "school", closed_on, used,
                         entries)


def load_feedback(session: Session, school_ids: list[int], *, chair: int, district: int,
                  delegate_staff_id: int) -> None:
    """Anonymous feedback over two years to every demo school and the district union, with
    every status at both levels, the two DEMO_RECEIPTS, and two motion leads for the
    `delegate` account. School-level replies are all written as the `chair` account."""
    rng = random.Random(SEED + 5)
    used_ids: set[int] = set()

    def new_id() -> int:
        while (value := rng.randrange(1, 2**53)) in used_ids:
            pass
        used_ids.add(value)
        return value

    span = (FEEDBACK_LAST_DAY - FEEDBACK_FIRST_DAY).days
    cases: list[dict[str, object]] = []
    messages: list[dict[str, object]] = []

    def add_case(school_id: int | None, category: str, body: str, sent_on: dt.date,
                 story: FeedbackStory, *, code: str | None = None) -> int:
        case_id = new_id()
        cases.append({
            "id": case_id, "school_id": school_id, "at_district": story.at_district,
            "district_involved": story.district_involved, "category": category,
            "status": story.status, "body": body, "sent_on": sent_on,
            "closed_on": story.closed_on,
            "receipt_bucket": receipts.bucket(code) if code else f"{rng.getrandbits(32):08x}",
            "receipt_hash": receipts.hash_code(code) if code else receipts.UNUSABLE_HASH,
            "receipt_used_on": story.receipt_used_on})
        for seq, (kind, level, text, day) in enumerate(story.entries, start=1):
            author = None if kind == "writer" else district if level == "district" else chair
            messages.append({"id": new_id(), "case_id": case_id, "seq": seq, "kind": kind,
                             "level": level, "author_account_id": author, "body": text,
                             "written_on": day})
        return case_id

    # The first cases of MH01 and of the district union show every status at both levels.
    shown = {school_ids[0]: [("school", "new"), ("school", "opened"), ("school", "replied"),
                             ("school", "closed"), ("up", "forwarded"), ("up_down", "forwarded"),
                             ("up", "replied"), ("up", "closed")],
             None: [("district", "new"), ("district", "opened"), ("district", "replied"),
                    ("district", "closed")]}
    shown_ages = {"new": 10, "opened": 20, "forwarded": 30, "replied": 60, "closed": 150}
    lead_case, lead_day = 0, FEEDBACK_LAST_DAY  # MH01's shown closed case, made a lead
    for school_id in [*school_ids, None]:
        total = DISTRICT_FEEDBACK_CASES if school_id is None else rng.randint(12, 20)
        n = 0
        while n < total:
            category = pick_category(rng)
            age = int(span * rng.random() ** 2)  # busier lately, as word of the inbox spread
            if n < len(shown.get(school_id, ())):
                route, status = shown[school_id][n]
                age = rng.randrange(shown_ages[status])
            else:
                route = ("district" if school_id is None else pick_school_route(rng, 0.15))
                status = pick_status(rng, age)
            sent_on = FEEDBACK_LAST_DAY - dt.timedelta(days=age)
            story = feedback_story(rng, category, route, status, sent_on, FEEDBACK_LAST_DAY)
            if story.closed_on and story.closed_on < FEEDBACK_PURGED_BEFORE:
                continue
            n += 1
            case_id = add_case(school_id, category, rng.choice(FEEDBACK_BODIES[category]),
                               sent_on, story)
            if not lead_case and (school_id, route, story.status) == (school_ids[0], "school",
                                                                      "closed"):
                lead_case, lead_day = case_id, min(FEEDBACK_LAST_DAY, sent_on + _DAYS[7])

    # The two documented receipts.
    (first_code, _), (second_code, _) = DEMO_RECEIPTS.items()
    sent_on = dt.date(2026, 11, 10)
    replied = add_case(school_ids[0], "management", FEEDBACK_TEXTS["management"][0], sent_on,
                       FeedbackStory("replied", False, False, None, sent_on, [
                           ("internal", "school", "同类意见本学期已收到三条，拟整理成提案线索，"
                            "交教代会代表。", dt.date(2026, 11, 12)),
                           ("public", "school", "您好，来信已收到。工会已向校长室反映，学校同意"
                            "从下月起把年级会和例会合并，一般事项改为书面通知。",
                            dt.date(2026, 11, 18))]),
                       code=first_code)
    sent_on = dt.date(2026, 11, 23)
    add_case(None, "pay", "区里今年的班主任津贴标准调整了吗？我们学校还是按原来的标准发放，"
             "希望区工会帮忙了解一下。", sent_on,
             FeedbackStory("new", True, True, None, sent_on, []), code=second_code)
    session.execute(insert(FeedbackCase), cases)
    session.execute(insert(FeedbackMessage), messages)
    session.execute(insert(MotionLead), [
        {"school_id": school_ids[0], "delegate_staff_id": delegate_staff_id,
         "title": "关于改善教职工后勤保障的提案",
         "reason": "教职工反映宿舍、办公室设施报修后长期得不到维修，对食堂也有意见。",
         "suggestion": "建立后勤报修登记和限时办结制度，每学期向教代会报告后勤服务情况；"
                       "成立有教职工代表参加的伙食管理委员会。",
         "status": "adopted", "offered_by": chair, "offered_on": lead_day,
         "decided_on": min(FEEDBACK_LAST_DAY, lead_day + _DAYS[5]), "case_id": lead_case},
        {"school_id": school_ids[0], "delegate_staff_id": delegate_staff_id,
         "title": "关于精简会议、减轻教师非教学负担的提案",
         "reason": "每周例会、年级会、教研会较多，检查台账反复填报，挤占了备课和教研时间。",
         "suggestion": "合并同类会议，一般事项书面通知；统一台账模板，同一材料只报一次。",
         "status": "offered", "offered_by": chair, "offered_on": dt.date(2026, 11, 20),
         "decided_on": None, "case_id": replied},
    ])


# --- 技能竞赛 and the honours register ----------------------------------------------------------
# Kinds, segments, tiers and honours shared with the scale generator.

SegmentSpec = tuple[str, int, int]  # name, maximum, weight; a competition's weights sum to 100
COMPETITION_KINDS: dict[str, tuple[str, tuple[SegmentSpec, ...]]] = {
    "基本功大赛": ("青年教师基本功大赛", (("教学设计", 20, 20), ("课堂教学", 100, 75),
                                       ("教学反思", 5, 5))),
    "课堂教学竞赛": ("课堂教学竞赛", (("教学设计", 20, 20), ("课堂教学", 100, 75),
                                   ("教学反思", 5, 5))),
    "说课": ("说课比赛", (("说教材与学情", 20, 20), ("说教法与学法", 30, 30),
                         ("说教学过程", 50, 50))),
    "板书": ("板书比赛", (("书写规范", 40, 40), ("板书设计", 40, 40), ("现场讲解", 10, 20))),
    "演讲": ("师德演讲比赛", (("演讲内容", 40, 40), ("语言表达", 30, 30), ("形象风度", 10, 10),
                             ("现场效果", 20, 20))),
    "技能大赛": ("教学技能大赛", (("理论知识", 100, 30), ("技能操作", 100, 60), ("答辩", 10, 10))),
    "微课": ("微课比赛", (("教学设计", 30, 30), ("视频制作", 30, 20), ("教学效果", 40, 50))),
}
TierSpec = tuple[str, Decimal | None, int | None]  # name, quota percent, fixed count
QUOTA_TIERS: tuple[TierSpec, ...] = (("一等奖", Decimal(15), None), ("二等奖", Decimal(25), None),
                                     ("三等奖", Decimal(35), None))
COUNT_TIERS: tuple[TierSpec, ...] = (("一等奖", None, 1), ("二等奖", None, 2), ("三等奖", None, 3))
JUDGE_ORGANISATIONS = ("市教科院", "明湖区教师发展中心", "市师范学院", "省教育科学研究院")
# School competitions rank teachers in three broad groups.
SUBJECT_GROUPS = {
    **dict.fromkeys(("语文", "英语", "历史", "地理", "道德与法治"), "文科组"),
    **dict.fromkeys(("数学", "物理", "化学", "生物", "科学", "信息技术"), "理科组"),
    **dict.fromkeys(("体育", "音乐", "美术"), "艺体组"),
}
HONOUR_KINDS = ("工人先锋号", "师德标兵", "五一劳动奖章", "劳动模范", "优秀教代会代表",
                "优秀班主任")
HONOUR_ISSUERS = {"district": ("明湖区教育工会", "明湖区教育局"), "city": ("市总工会", "市教育局"),
                  "province": ("省总工会", "省教育厅"), "national": ("中华全国总工会", "教育部")}
COMPETITION_TODAY = dt.date(2026, 11, 25)
# Judges score in tenths of a point: TENTHS[n] is n/10 with two decimals, up to 100.00.
TENTHS = tuple(Decimal(n).scaleb(-1).quantize(CENT) for n in range(1001))


def panel_tenths(rng: random.Random, maximum: int, level: float,
                 leniencies: tuple[float, ...]) -> list[int]:
    """One entrant's scores in one segment from each judge, in tenths of a point: around
    `level` (a share of the maximum), moved by each judge's leniency, within [0, maximum]."""
    top = maximum * 10
    return [min(top, max(0, round(top * (level + lenient + rng.gauss(0, 0.015)))))
            for lenient in leniencies]


def tier_rules(tiers: tuple[TierSpec, ...]) -> list[TierRule]:
    return [TierRule(n, name, quota, count) for n, (name, quota, count) in enumerate(tiers, 1)]


def standing_rows(competition_id: int, rules: list[SegmentRule], tiers: tuple[TierSpec, ...],
                  groups: Iterable[list[EntrantScores]], rounding: str = "half_up"
                  ) -> list[dict[str, object]]:
    """The results frozen at 公示 (StandingRow) as services.competitions freezes them: ranked
    and awarded by services.scoring in each subject group, the competing entrants only."""
    rules_of_tiers = tier_rules(tiers)
    names = {tier.rank: tier.name for tier in rules_of_tiers}
    rows: list[dict[str, object]] = []
    for entrants in groups:
        results, _ties = rank(entrants, rules)
        award(results, rules_of_tiers, rounding)
        rows += [{"competition_id": competition_id, "entrant_id": r.entrant_id, "rank": r.rank,
                  "final": r.final, "award_rank": r.award, "award_name": names.get(r.award),
                  "promoted": r.promoted} for r in results]
    return rows


@dataclass
class DemoCompetition:
    name: str
    kind: str
    year: int
    organiser: int | None                  # a school id, None for the district union
    held_on: dt.date
    state: str
    created_by: int                        # also publishes and closes it
    entered_by: int | None                 # None: no scores yet
    confirmed_by: int | None
    tiers: tuple[TierSpec, ...]
    judges: list[tuple[int | None, str, str]]  # staff id, name, organisation; the chief first
    entrants: list[tuple[int, int, str]]       # staff id, school id, subject group
    no_shows: frozenset[int] = frozenset()     # staff ids of entrants who did not compete
    tie: tuple[str, int] | None = None         # (group, tier rank): a tie at that cut-off
    leniencies: list[float] = field(default_factory=list)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def load_competitions(session: Session, school_ids: list[int], *, chair: int, district: int,
                      delegate_staff_id: int) -> None:
    """Two district competitions (2025 closed, 2026 draft) and four of MH01 (2025 closed; 2026
    published, confirmed, and a draft to be held in December, not scored yet), the others with
    one score sheet each, the published and closed ones with their standings; the honours.

    Confirmation needs a manager who did not enter the sheet. The district union has only the
    `district` account, so its closed 2025 sheet was typed in by MH01's chair (seconded as the
    competition's secretary) and confirmed by `district`; its 2026 sheet, entered by
    `district` itself, waits in draft. MH01's sheets are entered by `chair` and confirmed by
    `district`, both managers of a school competition.

    The 2025 district competition holds a tie at a cut-off: in 语文, the entrants 4th and 5th
    have the same scores, so both get 二等奖 and 三等奖 shrinks (DOMAIN.md section 4)."""
    rng = random.Random(SEED + 6)
    school_names = dict(session.execute(select(School.id, School.name)).all())
    staff = session.execute(
        select(Staff.id, Staff.school_id, Staff.name, Staff.subject, Staff.birth_date,
               Staff.title).where(Staff.retired.is_(False)).order_by(Staff.id)).all()
    first = school_ids[0]
    chair_staff = session.scalar(select(Account.staff_id).where(Account.id == chair))
    taken_names: set[str] = set()

    def external(n: int) -> list[tuple[int | None, str, str]]:
        judges: list[tuple[int | None, str, str]] = []
        for organisation in rng.sample(JUDGE_ORGANISATIONS, n):
            while (name := chinese_name(rng, rng.choice("FM"))) in taken_names:
                pass
            taken_names.add(name)
            judges.append((None, name, organisation))
        return judges

    def staff_judges(pool: list, n: int) -> list[tuple[int | None, str, str]]:
        picked = [row for row in rng.sample(pool, n * 2) if row.name not in taken_names][:n]
        assert len(picked) == n
        taken_names.update(row.name for row in picked)
        return [(row.id, row.name, school_names[row.school_id]) for row in picked]

    def entrants(pool: list, groups: dict[str, int] | None, judges: list, n: int = 0
                 ) -> list[tuple[int, int, str]]:
        """`groups`: subject → how many; None: n entrants grouped by SUBJECT_GROUPS."""
        judged = {staff_id for staff_id, *_ in judges}
        pool = [row for row in pool if row.id not in judged]
        if groups is None:
            picked = [(row, SUBJECT_GROUPS[row.subject]) for row in rng.sample(pool, n)]
        else:
            picked = []
            for subject, count in groups.items():
                picked += [(row, subject) for row in
                           rng.sample([row for row in pool if row.subject == subject], count)]
        return sorted(((row.id, row.school_id, group) for row, group in picked),
                      key=lambda e: (e[2], e[1], e[0]))

    senior = [row for row in staff if row.title in ("高级教师", "正高级教师")]
    young = [row for row in staff if row.birth_date.year >= 1986]
    mh01 = [row for row in staff if row.school_id == first and row.id != delegate_staff_id]
    mh01_young = [row for row in mh01 if row.birth_date.year >= 1986]
    chair_row = next(row for row in staff if row.id == chair_staff)
    mh01_senior = [row for row in mh01 if row.title in ("高级教师", "正高级教师")
                   and row.id != chair_staff]
    delegate_row = next(row for row in staff if row.id == delegate_staff_id)

    competitions = []
    judges = external(3) + staff_judges([r for r in senior if r.school_id != first], 4)
    district_2025 = entrants(young, {"语文": 10, "数学": 11, "英语": 9}, judges)
    competitions.append(DemoCompetition(
        "2025年明湖区青年教师基本功大赛", "基本功大赛", 2025, None, dt.date(2025, 10, 22),
        "closed", district, chair, district, QUOTA_TIERS, judges, district_2025,
        no_shows=frozenset({next(s for s, _, g in district_2025 if g == "数学")}),
        tie=("语文", 2)))
    judges = external(3) + staff_judges([r for r in senior if r.school_id != first], 3)
    competitions.append(DemoCompetition(
        "2026年明湖区课堂教学竞赛", "课堂教学竞赛", 2026, None, dt.date(2026, 11, 20),
        "draft", district, district, None, QUOTA_TIERS, judges,
        entrants(staff, {"语文": 9, "数学": 9, "英语": 8, "科学": 6}, judges)))
    taken_names.clear()  # the school's panels: its own staff, the union chair among them
    chair_judge = (chair_row.id, chair_row.name, school_names[first])
    judges = [chair_judge, *staff_judges(mh01_senior, 3)]
    competitions.append(DemoCompetition(
        "2025年明湖区实验小学青年教师说课比赛", "说课", 2025, first, dt.date(2025, 4, 17),
        "closed", chair, chair, district, COUNT_TIERS, judges,
        [(s, school, "青年教师组") for s, school, _ in entrants(mh01_young, None, judges, 12)]))
    taken_names.clear()
    judges = [chair_judge, *staff_judges(mh01_senior, 4)]
    board = entrants(mh01, None, judges, 13)
    board = sorted([*board, (delegate_row.id, first, SUBJECT_GROUPS[delegate_row.subject])],
                   key=lambda e: (e[2], e[0]))
    competitions.append(DemoCompetition(
        "2026年明湖区实验小学板书比赛", "板书", 2026, first, dt.date(2026, 11, 14),
        "published", chair, chair, district, QUOTA_TIERS, judges, board))
    taken_names.clear()
    judges = staff_judges(mh01_senior, 3)
    competitions.append(DemoCompetition(
        "2026年明湖区实验小学微课比赛", "微课", 2026, first, dt.date(2026, 11, 19),
        "confirmed", chair, chair, district, COUNT_TIERS, judges,
        [(s, school, "教师组") for s, school, _ in entrants(mh01, None, judges, 10)]))
    taken_names.clear()
    judges = [chair_judge, *staff_judges(mh01_senior, 2)]
    competitions.append(DemoCompetition(
        "2026年明湖区实验小学师德演讲比赛", "演讲", 2026, first, dt.date(2026, 12, 3),
        "draft", chair, None, None, COUNT_TIERS, judges,
        [(s, school, "教师组") for s, school, _ in entrants(mh01, None, judges, 8)]))
    for spec in competitions:
        spec.leniencies = [rng.uniform(-0.03, 0.03) for _ in spec.judges]
        _add_competition(session, rng, spec)
    _add_honours(session, rng, staff, school_ids, school_names, district=district,
                 named=(delegate_staff_id, chair_staff))


def _add_competition(session: Session, rng: random.Random, spec: DemoCompetition) -> None:
    level = "district" if spec.organiser is None else "school"
    competition = Competition(name=spec.name, level=level, kind=spec.kind, year=spec.year,
                              organiser_school_id=spec.organiser, held_on=spec.held_on,
                              state=spec.state, rounding="half_up", created_by=spec.created_by,
                              created_at=_at(spec.held_on - dt.timedelta(days=40), 9, 30))
    session.add(competition)
    session.flush()
    cid = competition.id
    groups = {name: SubjectGroup(competition_id=cid, name=name)
              for name in dict.fromkeys(g for *_, g in spec.entrants)}
    _, segment_specs = COMPETITION_KINDS[spec.kind]
    segments = [Segment(competition_id=cid, name=name, max_score=Decimal(maximum),
                        weight=Decimal(weight), position=n)
                for n, (name, maximum, weight) in enumerate(segment_specs, start=1)]
    judges = [Judge(competition_id=cid, staff_id=staff_id, name=name, organisation=org,
                    chief=n == 0) for n, (staff_id, name, org) in enumerate(spec.judges)]
    session.add_all([*groups.values(), *segments, *judges])
    session.add_all([AwardTier(competition_id=cid, rank=n, name=name, quota_percent=quota,
                               fixed_count=count)
                     for n, (name, quota, count) in enumerate(spec.tiers, start=1)])
    session.flush()
    entrants = [Entrant(competition_id=cid, staff_id=staff_id, school_id=school_id,
                        group_id=groups[group].id, competed=staff_id not in spec.no_shows)
                for staff_id, school_id, group in spec.entrants]
    session.add_all(entrants)

    # The timeline: set up 40 days before, entered the day after, then two days to confirm,
    # one to publish and the eight days of 公示 before closing.
    day = spec.held_on
    entered_at = _at(day + dt.timedelta(days=1), 16, 40)
    steps = [(None, "draft", spec.created_by, _at(day - dt.timedelta(days=40), 9, 30)),
             ("draft", "confirmed", spec.confirmed_by, _at(day + dt.timedelta(days=3), 10, 15)),
             ("confirmed", "published", spec.created_by, _at(day + dt.timedelta(days=4), 8, 50)),
             ("published", "closed", spec.created_by, _at(day + dt.timedelta(days=12), 17, 5))]
    steps = steps[:1 + ("draft", "confirmed", "published", "closed").index(spec.state)]
    session.execute(insert(CompetitionEvent), [
        {"competition_id": cid, "at": at, "account_id": account, "from_state": before,
         "to_state": after, "sheet_version": None if before is None else 1, "reason": None}
        for before, after, account, at in steps])
    if spec.entered_by is None:
        session.flush()
        return
    sheet = ScoreSheet(competition_id=cid, version=1, source="seed", entered_by=spec.entered_by,
                       entered_at=entered_at, confirmed_by=spec.confirmed_by,
                       confirmed_at=steps[1][3] if len(steps) > 1 else None)
    session.add(sheet)
    session.flush()

    # Scores: each entrant's level, moved a little per segment and by each judge's leniency.
    scores: dict[int, list[list[int]]] = {}
    for entrant in entrants:
        if entrant.competed:
            ability = rng.uniform(0.72, 0.93)
            scores[entrant.id] = [panel_tenths(rng, maximum, ability + rng.gauss(0, 0.03),
                                               tuple(spec.leniencies))
                                  for _, maximum, _ in segment_specs]
    rules = [SegmentRule(s.id, s.name, s.max_score, s.weight, s.position) for s in segments]

    def contest(group_id: int) -> list[EntrantScores]:
        return [EntrantScores(e.id, {rule.id: [TENTHS[v] for v in panel]
                                     for rule, panel in zip(rules, scores[e.id], strict=True)})
                for e in entrants if e.group_id == group_id and e.competed]

    if spec.tie:  # the entrant just below the cut-off gets the scores of the one at it
        group, tier = spec.tie
        results, _ = rank(contest(groups[group].id), rules)
        cut = cutoffs(len(results), tier_rules(spec.tiers))[tier - 1]
        at_cut, below = results[cut - 1].entrant_id, results[cut].entrant_id
        # Each segment's scores dealt to the judges in another order: the same final score
        # and the same tie-breaks, so both share the rank at the cut-off and get the award.
        scores[below] = [rng.sample(panel, len(panel)) for panel in scores[at_cut]]
    session.execute(insert(JudgeScore), [
        {"sheet_id": sheet.id, "entrant_id": entrant_id, "judge_id": judge.id,
         "segment_id": segment.id, "score": TENTHS[value]}
        for entrant_id, per_segment in scores.items()
        for segment, panel in zip(segments, per_segment, strict=True)
        for judge, value in zip(judges, panel, strict=True)])
    if spec.state in ("published", "closed"):
        session.execute(insert(StandingRow), standing_rows(
            cid, rules, spec.tiers, [contest(g.id) for g in groups.values()]))


def _add_honours(session: Session, rng: random.Random, staff: list, school_ids: list[int],
                 school_names: dict[int, str], *, district: int,
                 named: tuple[int, int]) -> None:
    """The honour kinds, and honours from 2019 on: the `delegate` and the `chair` staff
    first, a dozen other teachers, and two schools."""
    session.execute(insert(HonourKind), [{"name": name, "active": True}
                                         for name in HONOUR_KINDS])
    kinds = dict(session.execute(select(HonourKind.name, HonourKind.id)).all())
    school_of = {row.id: row.school_id for row in staff}
    delegate_staff, chair_staff = named
    others = rng.sample([row.id for row in staff if row.id not in named], 12)
    given = [
        (delegate_staff, "优秀教代会代表", "district", 2024),
        (delegate_staff, "优秀班主任", "school", 2021),
        (chair_staff, "师德标兵", "district", 2023),
        *zip(others, ("师德标兵", "师德标兵", "优秀班主任", "优秀班主任", "优秀班主任",
                      "五一劳动奖章", "五一劳动奖章", "劳动模范", "劳动模范", "优秀教代会代表",
                      "优秀教代会代表", "师德标兵"),
             ("district", "city", "district", "school", "district", "city", "province",
              "city", "province", "district", "school", "district"),
             (2019, 2022, 2020, 2024, 2025, 2021, 2024, 2020, 2025, 2026, 2023, 2026),
             strict=True),
    ]
    rows = [{"kind_id": kinds[kind], "staff_id": staff_id, "school_id": None, "level": level,
             "year": year, "recorded_by": district,
             "issuer": (school_names[school_of[staff_id]] if level == "school"
                        else rng.choice(HONOUR_ISSUERS[level]))}
            for staff_id, kind, level, year in given]
    rows += [{"kind_id": kinds["工人先锋号"], "staff_id": None, "school_id": school_id,
              "level": level, "year": year, "issuer": issuer, "recorded_by": district}
             for school_id, level, year, issuer in ((school_ids[0], "city", 2022, "市总工会"),
                                                    (school_ids[4], "district", 2025,
                                                     "明湖区教育工会"))]
    session.execute(insert(Honour), rows)
