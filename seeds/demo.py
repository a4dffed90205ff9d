"""The demo district: 12 schools, their departments, about 40 staff each, delegates, the
demo accounts (all with the password `union-demo`), two years of anonymous feedback, two
years of skill competitions with the honours register, and three years of the relief fund.
Deterministic: a fixed random seed (only the two demo receipts' salted hashes differ)."""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count, product
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy import text as sql_text
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
from db.fund import (
    BankCheck,
    FundAccount,
    FundCategory,
    FundEntry,
    FundImport,
    FundVoucherCounter,
    ReliefApplication,
    ReliefAttachment,
    ReliefEvent,
)
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
from services import fund, receipts
from services.auth import hash_password
from services.org import DEFAULT_DEPARTMENTS
from services.relief import valid_id_number
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

    progress("fund")
    load_fund(session, school_ids, accounts=account_ids)

    progress("motions")
    from seeds.motions_demo import load_motions  # here: it builds on this module's helpers

    load_motions(session, school_ids, accounts=account_ids, dept_ids=dept_ids,
                 staff_by_school=staff_by_school)
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


# --- 特困教职工救助基金 --------------------------------------------------------------------------
# Texts, festivals and the ledger writer shared with the scale generator.

FUND_FIRST_DAY = dt.date(2024, 1, 1)
FUND_LAST_DAY = dt.date(2026, 11, 24)
UTC_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai; times are stored in UTC
# 春节 and 重阳节, when the union visits staff in hardship and retired staff.
SPRING_FESTIVAL = {2017: dt.date(2017, 1, 28), 2018: dt.date(2018, 2, 16),
                   2019: dt.date(2019, 2, 5), 2020: dt.date(2020, 1, 25),
                   2021: dt.date(2021, 2, 12), 2022: dt.date(2022, 2, 1),
                   2023: dt.date(2023, 1, 22), 2024: dt.date(2024, 2, 10),
                   2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17)}
DOUBLE_NINTH = {2017: dt.date(2017, 10, 28), 2018: dt.date(2018, 10, 17),
                2019: dt.date(2019, 10, 7), 2020: dt.date(2020, 10, 25),
                2021: dt.date(2021, 10, 14), 2022: dt.date(2022, 10, 4),
                2023: dt.date(2023, 10, 23), 2024: dt.date(2024, 10, 11),
                2025: dt.date(2025, 10, 29), 2026: dt.date(2026, 10, 18)}

# Per relief category: (reason, medical details) as a filer writes them.
RELIEF_CASES: dict[str, tuple[tuple[str, str], ...]] = {
    "大病救助": (
        ("本人确诊乳腺癌，已完成手术，后续需化疗六个疗程，医保报销后自付部分仍较高，家庭经济压力大，"
         "申请大病救助。",
         "乳腺癌（浸润性导管癌Ⅱ期），行乳腺癌改良根治术，术后化疗六周期。住院总费用约8.6万元，"
         "医保报销后个人自付约3.2万元。"),
        ("配偶突发脑出血，在市人民医院重症监护室抢救治疗近一个月，目前仍需康复治疗，家中孩子正读高中，"
         "申请救助。",
         "配偶：自发性脑出血（基底节区），血肿清除术后ICU住院26天，现转康复医院。累计费用约15万元，"
         "自付约5.4万元。"),
        ("本人患慢性肾功能衰竭，每周需血液透析三次，已持续两年，医疗费用负担重，申请大病救助。",
         "慢性肾脏病5期，规律血液透析（每周3次）。全年透析及药费约9.5万元，医保报销后自付约2.1万元。"),
        ("孩子确诊急性淋巴细胞白血病，正在省儿童医院化疗，夫妻二人轮流请假陪护，收入减少，开支很大。",
         "子女：急性淋巴细胞白血病（B细胞型），诱导缓解化疗中，预计治疗二至三年。已发生费用约21万元，"
         "自付约7.8万元。"),
        ("本人甲状腺癌术后需放射性碘治疗，父亲又长期卧床，家庭负担较重，申请救助。",
         "甲状腺乳头状癌，甲状腺全切术后行放射性碘治疗。本次住院费用3.1万元，自付1.2万元。"),
        ("本人因急性心肌梗死入院，行心脏支架手术，术后需长期服药复查，申请大病救助。",
         "急性ST段抬高型心肌梗死，经皮冠状动脉介入治疗，植入支架2枚。住院费用6.8万元，自付2.3万元。"),
    ),
    "灾害救助": (
        ("汛期连续强降雨，家中一楼进水，家具电器全部泡坏，墙体开裂需要修缮，申请灾害救助。", ""),
        ("台风过境时家中屋顶被掀翻，目前借住在亲戚家，房屋修缮开支较大。", ""),
        ("老家房屋因山体滑坡受损，年迈父母无处居住，需要重新修建住房，申请救助。", ""),
        ("邻居家失火殃及本人住房，室内物品大部分烧毁，申请灾害救助。", ""),
    ),
    "生活困难补助": (
        ("配偶失业多年无固定收入，两个孩子上学，父母年老多病，家庭人均收入低于当地最低生活标准，"
         "申请生活困难补助。", ""),
        ("本人单亲抚养孩子，孩子需长期康复训练，每月康复费用较高，生活困难。",
         "子女：孤独症谱系障碍，在康复机构训练，每月费用约3,500元。"),
        ("父母均患慢性病需长期服药，本人是家中唯一收入来源，房贷压力大，申请生活困难补助。", ""),
        ("配偶因病长期卧床失去劳动能力，家庭开支全靠本人工资，生活较为困难。",
         "配偶：脑梗死后遗症，右侧肢体偏瘫，生活不能自理。"),
        ("家中老人去世前住院欠下医疗费用，目前仍在偿还，家庭生活困难。", ""),
    ),
    "金秋助学": (
        ("孩子今年考入大学，学费和住宿费合计约一万元，家庭经济较为困难，申请金秋助学。", ""),
        ("孩子考上省外一所师范大学，第一年开支较大，配偶收入不稳定，申请助学补助。", ""),
        ("两个孩子同时上学，一个读大学、一个读高中，教育支出较大，申请金秋助学。", ""),
        ("孩子今年考入职业技术学院，家庭因病致困，申请金秋助学。", ""),
    ),
    "节日送温暖慰问": (
        ("本人长期患病，家庭经济困难，春节前申请送温暖慰问。", ""),
        ("单亲家庭，独自抚养两个孩子，春节前申请慰问。", ""),
        ("家中有重病老人需要照料，经济较困难，申请节日慰问。", ""),
        ("配偶去年因病去世，本人带着孩子生活，申请春节送温暖慰问。", ""),
    ),
    "退休教职工慰问": (
        ("退休教师，年事已高，独自居住，重阳节前申请慰问。", ""),
        ("退休多年，患有高血压、糖尿病等慢性病，申请重阳节慰问。", ""),
        ("退休教职工，老伴长期住院，生活较困难，申请重阳节慰问。", ""),
        ("退休老教师，行动不便，长期卧床，申请慰问。", ""),
    ),
}
RELIEF_RETURN_NOTES = ("请补充医院出具的费用清单和医保结算单。", "请补充社区出具的家庭收入证明。",
                       "请补充录取通知书和缴费通知复印件。", "诊断证明缺少医院盖章，请补充。")
RELIEF_REJECT_REASONS = (
    "经核实，申请人家庭人均收入高于困难认定标准，不符合生活困难补助条件。",
    "该项医疗费用已由商业保险全额理赔，不再重复救助。",
    "申请材料中的住院发票无法核实，申请人表示无法补交原件。",
    "同一事由本年度已获学校和区工会救助，不再重复申请。",
)
RELIEF_CANCEL_NOTES = ("申请人已获得其他渠道救助，主动撤回申请。", "类别填错，撤回后重新申请。", "")
SCHOOL_APPROVAL_NOTES = ("情况属实，同意上报。", "经工会委员走访核实，情况属实。", "", "")
DISTRICT_APPROVAL_NOTES = ("同意。", "经审核，同意救助。", "", "")
SPONSORS = ("明湖农商银行", "湖滨医药连锁有限公司", "明湖区新华书店", "金山建设集团有限公司",
            "明湖人寿保险代理有限公司", "青松教育科技有限公司")
PRIVATE_DONORS = ("匿名爱心人士", "校友陈先生", "爱心人士刘女士", "退休教师周老师", "家长委员会",
                  "爱心人士王先生")
# Whole-yuan gifts, and a few of the "lucky" amounts private donors like.
PRIVATE_AMOUNTS_FEN = (50_000, 100_000, 200_000, 500_000, 1_000_000, 88_888, 166_600, 2_000_000)
_ID_REGION = "330110"


def local_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local wall-clock time on `day` as the naive UTC time the database stores."""
    return dt.datetime.combine(day, dt.time(hour, minute)) - UTC_OFFSET


def id_number(birth: dt.date, serial: int, gender: str) -> str:
    """A 居民身份证号 with a correct check character (the serial's last digit odd for men)."""
    serial = serial % 500 * 2 + (1 if gender == "M" else 0)
    body = f"{_ID_REGION}{birth:%Y%m%d}{serial:03d}"
    return next(body + c for c in "0123456789X" if valid_id_number(body + c))


def first_free_id(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.max(model.id))) or 0) + 1


def sync_id_sequences(session: Session, *models: type[Base]) -> None:
    """After rows inserted with ids of our choosing: PostgreSQL's sequences move past them."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite takes the largest id + 1 by itself
    for model in models:
        table = model.__tablename__
        session.execute(sql_text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))


class LedgerWriter:
    """Ledger rows as services.fund posts them, written in date order: ids chosen here, so
    an entry can point at its application and a reversal at its original before insertion;
    vouchers 记-YYYY-NNNNNN numbered per year without gaps; every account's running balance
    checked at each posting, so no account is ever below zero at the end of any day."""

    def __init__(self, first_id: int, created_by: int) -> None:
        self.next_id = first_id
        self.created_by = created_by
        self.last_voucher: dict[int, int] = {}
        self.balance: dict[int, int] = defaultdict(int)
        self.day = dt.date.min

    def can_pay(self, account_id: int, amount_fen: int) -> bool:
        return self.balance[account_id] >= amount_fen

    def post(self, *, day: dt.date, at: dt.datetime, account_id: int, kind: str,
             category_id: int, amount_fen: int, counterparty: str = "", memo: str = "",
             staff_id: int | None = None, application_id: int | None = None,
             import_id: int | None = None, reverses_id: int | None = None
             ) -> dict[str, object]:
        """One entry; a reversal (reverses_id) carries the negated amount of its original."""
        if day < self.day:
            raise ValueError(f"ledger written out of date order: {day} after {self.day}")
        signed = amount_fen if kind == "income" else -amount_fen
        if (amount_fen > 0) == (reverses_id is not None) or kind not in ("income", "expense"):
            raise ValueError("an original entry is positive, its reversal negative")
        if self.balance[account_id] + signed < 0:
            raise ValueError(f"account {account_id} would go below zero on {day}")
        self.day = day
        self.balance[account_id] += signed
        number = self.last_voucher[day.year] = self.last_voucher.get(day.year, 0) + 1
        row = {"id": self.next_id, "voucher_no": f"记-{day.year}-{number:06d}",
               "account_id": account_id, "kind": kind, "category_id": category_id,
               "entry_date": day, "period": day.year * 100 + day.month,
               "amount_fen": amount_fen, "counterparty": counterparty, "memo": memo,
               "staff_id": staff_id, "application_id": application_id,
               "reverses_id": reverses_id, "idempotency_key": None, "import_id": import_id,
               "created_by": self.created_by, "created_at": at}
        self.next_id += 1
        return row

    def reverse(self, original: dict[str, Any], *, day: dt.date, at: dt.datetime,
                memo: str) -> dict[str, object]:
        """冲正: the same amount negated, pointing at the original (once: the caller's care)."""
        assert original["reverses_id"] is None and day >= original["entry_date"]
        return self.post(day=day, at=at, account_id=original["account_id"],
                         kind=original["kind"], category_id=original["category_id"],
                         amount_fen=-original["amount_fen"],
                         counterparty=original["counterparty"], memo=memo,
                         staff_id=original["staff_id"],
                         application_id=original["application_id"],
                         reverses_id=original["id"])

    def counters(self) -> list[dict[str, int]]:
        return [{"year": year, "last": last} for year, last in sorted(self.last_voucher.items())]


Step = tuple[str, str | None, str, int, dt.datetime, str | None]  # action, from, to, who, at, note


def relief_steps(rng: random.Random, *, filed: dt.datetime, filer: int, chair: int,
                 district: int, fate: str, last_day: dt.date) -> list[Step]:
    """An application's history in local time, from filing to its fate (paid, returned_paid,
    rejected_school, rejected_district, cancelled), cut at last_day: whatever had not
    happened by then has not happened yet. A paid step's note (its voucher) comes later."""

    def later(at: dt.datetime, low: int, high: int) -> dt.datetime:
        day = at.date() + dt.timedelta(days=rng.randint(low, high))
        return dt.datetime.combine(day, dt.time(rng.randint(8, 11), rng.randrange(60)))

    at = filed
    steps: list[Step] = [("filed", None, "draft", filer, at, "")]
    at = at + dt.timedelta(minutes=rng.randint(3, 40)) if rng.random() < 0.7 else later(at, 1, 2)
    steps.append(("submitted", "draft", "submitted", filer, at, ""))
    if fate == "cancelled":
        steps.append(("cancelled", "submitted", "cancelled", filer, later(at, 1, 6),
                      rng.choice(RELIEF_CANCEL_NOTES)))
    elif fate == "rejected_school":
        steps.append(("rejected", "submitted", "rejected", chair, later(at, 2, 6),
                      rng.choice(RELIEF_REJECT_REASONS)))
    else:
        if fate == "returned_paid":
            at = later(at, 1, 4)
            steps.append(("returned", "submitted", "returned", chair, at,
                          rng.choice(RELIEF_RETURN_NOTES)))
            at = later(at, 2, 6)
            steps.append(("submitted", "returned", "submitted", filer, at, ""))
        at = later(at, 1, 5)
        steps.append(("school_approved", "submitted", "school_approved", chair, at,
                      rng.choice(SCHOOL_APPROVAL_NOTES)))
        at = later(at, 2, 7)
        if fate == "rejected_district":
            steps.append(("rejected", "school_approved", "rejected", district, at,
                          rng.choice(RELIEF_REJECT_REASONS)))
        else:
            steps.append(("district_approved", "school_approved", "district_approved",
                          district, at, rng.choice(DISTRICT_APPROVAL_NOTES)))
            at = later(at, 1, 4).replace(hour=rng.randint(14, 16))
            steps.append(("paid", "district_approved", "paid", district, at, None))
    return [step for step in steps if step[4].date() <= last_day]


def relief_row(app_id: int, number: str, *, school_id: int, staff_id: int, category_id: int,
               amount_fen: int, reason: str, medical: str, id_number: str | None,
               steps: list[Step]) -> dict[str, object]:
    """The application as its steps left it, field by field as services.relief sets them."""
    row: dict[str, object] = {
        "id": app_id, "number": number, "school_id": school_id, "staff_id": staff_id,
        "category_id": category_id, "year": steps[0][4].year, "amount_fen": amount_fen,
        "reason": reason, "medical_details": medical, "id_number": id_number,
        "state": steps[-1][2], "filed_by": steps[0][3], "filed_at": steps[0][4] - UTC_OFFSET,
        "submitted_at": None, "school_approved_by": None, "school_approved_at": None,
        "district_approved_by": None, "district_approved_at": None, "paid_by": None,
        "paid_at": None, "paid_on": None, "decision_note": "", "idempotency_key": None}
    for action, _before, _after, who, at, note in steps:
        utc = at - UTC_OFFSET
        if action == "submitted":
            row["submitted_at"] = utc
        elif action == "school_approved":
            row["school_approved_by"], row["school_approved_at"] = who, utc
        elif action == "district_approved":
            row["district_approved_by"], row["district_approved_at"] = who, utc
        elif action == "paid":
            row["paid_by"], row["paid_at"], row["paid_on"] = who, utc, at.date()
        elif action == "payment_reversed":
            row["paid_by"] = row["paid_at"] = row["paid_on"] = None
        elif action == "returned":
            row["decision_note"] = note
            row["school_approved_by"] = row["school_approved_at"] = None
        elif action == "rejected":
            row["decision_note"] = note
    return row


def relief_events(app_id: int, steps: list[Step]) -> list[dict[str, object]]:
    return [{"application_id": app_id, "at": at - UTC_OFFSET, "account_id": who,
             "action": action, "from_state": before, "to_state": after, "note": note or ""}
            for action, before, after, who, at, note in steps]


@dataclass(slots=True)
class PlannedRelief:
    """One application before insertion, its id chosen here; its payments once written."""

    school_id: int
    staff_id: int
    category: str
    amount_fen: int
    reason: str
    medical: str
    id_number: str | None
    steps: list[Step]
    app_id: int = 0
    number: str = ""
    entries: list[dict[str, object]] = field(default_factory=list)


def load_fund(session: Session, school_ids: list[int], *, accounts: dict[str, int]) -> None:
    """Three years of the relief fund (2024-01-01 … FUND_LAST_DAY): the district's grants and
    union funds, staff donations to their schools' sub-accounts around each autumn's 慈善一日捐,
    gifts now and then; relief applications in every state, the paid ones paid from the
    school's sub-account when it holds enough, else from the district fund; three reversals
    (a grant posted twice, a mistyped donation, a payment from the wrong account); two bank
    checks, the older agreeing with the ledger, the recent one ¥35.00 short.

    Only MH01 has union officers among the demo accounts. Its applications are filed by its
    delegates (one by `chair`) and reviewed by `chair`; the other schools' are filed by
    `delegate2` and `delegate3` and reviewed by `chair`, standing in for those schools'
    officers as `chair` does in the feedback demo. The district approves and pays; nobody
    approves what they filed, and each person's yearly caps per category hold, counting
    every application that was ever submitted."""
    rng = random.Random(SEED + 7)
    fund.ensure_lists(session)
    fund.ensure_accounts(session)
    categories = {(kind, name): cid for cid, kind, name in session.execute(
        select(FundCategory.id, FundCategory.kind, FundCategory.name))}
    account_of = {school_id: aid for aid, school_id in session.execute(
        select(FundAccount.id, FundAccount.school_id))}
    district_account = account_of.pop(None)
    codes = dict(session.execute(select(School.id, School.code)).all())
    district, delegate = accounts["district"], accounts["delegate"]
    officers = set(session.scalars(select(Account.staff_id).where(Account.staff_id.is_not(None))))
    staff = session.execute(select(Staff.id, Staff.school_id, Staff.name, Staff.gender,
                                   Staff.birth_date, Staff.retired).order_by(Staff.id)).all()
    person = {row.id: row for row in staff}
    active: dict[int, list[int]] = defaultdict(list)
    retired: dict[int, list[int]] = defaultdict(list)
    for row in staff:
        if row.id not in officers:  # the demo accounts' own staff get no relief
            (retired if row.retired else active)[row.school_id].append(row.id)
    first = school_ids[0]

    reliefs = _demo_relief(rng, school_ids, accounts=accounts, person=person, active=active,
                           retired=retired)
    reliefs.sort(key=lambda r: r.steps[0][4])
    for n, relief in enumerate(reliefs, start=first_free_id(session, ReliefApplication)):
        relief.app_id = n
        relief.number = f"{relief.steps[0][4].year}-{codes[relief.school_id]}-{n:05d}"

    incomes = _demo_income(rng, school_ids, account_of=account_of,
                           district_account=district_account, person=person, active=active)
    # MH01's 2026 慈善一日捐 came in as an Excel list.
    import_day = dt.date(2026, 9, 24)
    donors = [(person[s].name, rng.randint(280, 650) * 100) for s in active[first]]
    imported = FundImport(digest=hashlib.sha256(repr(donors).encode()).hexdigest(),
                          filename="明湖区实验小学2026年慈善一日捐名单.xlsx", rows=len(donors),
                          total_fen=sum(fen for _, fen in donors), imported_by=district,
                          imported_at=local_at(import_day, 15, 40))
    session.add(imported)
    session.flush()
    incomes += [(import_day, account_of[first], "教职工个人捐款", fen, name,
                 "2026年慈善一日捐", "imported") for name, fen in donors]

    # --- the ledger, in date order: income first on each day, then payments and reversals -
    Op = tuple[dt.date, int, dt.datetime, int, str, object]
    ops: list[Op] = []
    tick = count()  # ties in the heap go by the order of pushing
    for n, income in enumerate(sorted(incomes)):
        at = local_at(income[0], 8, 30) + dt.timedelta(minutes=3 * (n % 60))
        ops.append((income[0], 0, at, next(tick), "income", income))
    for relief in reliefs:
        if relief.steps[-1][0] == "paid":
            at = relief.steps[-1][4]
            ops.append((at.date(), 1, at - UTC_OFFSET, next(tick), "pay", relief))
    heapq.heapify(ops)
    ledger = LedgerWriter(first_free_id(session, FundEntry), district)
    entries: list[dict[str, object]] = []
    tagged: dict[str, dict[str, object]] = {}
    mistaken: PlannedRelief | None = None
    while ops:
        day, _order, at, _n, what, payload = heapq.heappop(ops)
        if what == "income":
            _day, account, source, fen, counterparty, memo, tag = payload
            entry = ledger.post(day=day, at=at, account_id=account, kind="income",
                                category_id=categories["income", source], amount_fen=fen,
                                counterparty=counterparty, memo=memo,
                                import_id=imported.id if tag == "imported" else None)
            entries.append(entry)
            tagged[tag] = entry
            if tag == "duplicate":
                later = day + dt.timedelta(days=1)
                heapq.heappush(ops, (later, 1, local_at(later, 9, 10), next(tick),
                                     "reverse", ("duplicate", "重复录入同一笔财政补助，冲正")))
            elif tag == "corrected":
                heapq.heappush(ops, (day, 1, at + dt.timedelta(minutes=2), next(tick),
                                     "reverse", ("typo", "金额录入错误（应为1,865.00元），冲正")))
            continue
        if what == "reverse":
            tag, memo = payload
            entries.append(ledger.reverse(tagged[tag], day=day, at=at, memo=memo))
            continue
        relief = payload
        assert isinstance(relief, PlannedRelief)
        if what == "unpay":
            entries.append(ledger.reverse(relief.entries[-1], day=day, at=at,
                                          memo=relief.steps[-2][5] or ""))
            continue
        school_account = account_of[relief.school_id]
        from_school = ledger.can_pay(school_account, relief.amount_fen)
        if (mistaken is None and from_school and relief.school_id != first
                and dt.date(2025, 11, 1) <= day <= dt.date(2025, 12, 15)):
            # Paid from the district fund by mistake; reversed and paid again the next day.
            mistaken, from_school = relief, False
            fixed = local_at(day + dt.timedelta(days=1), 10, 20) + UTC_OFFSET
            relief.steps += [
                ("payment_reversed", "paid", "district_approved", district, fixed,
                 "付款账户选错（应从学校子账户支付），冲正后重新支付"),
                ("paid", "district_approved", "paid", district,
                 fixed + dt.timedelta(minutes=25), None)]
            heapq.heappush(ops, (fixed.date(), 1, fixed - UTC_OFFSET, next(tick), "unpay",
                                 relief))
            heapq.heappush(ops, (fixed.date(), 1, fixed - UTC_OFFSET + dt.timedelta(
                minutes=25), next(tick), "pay", relief))
        elif relief is mistaken:
            assert from_school, "paid again from the school's sub-account"
        entry = ledger.post(day=day, at=at, kind="expense",
                            account_id=school_account if from_school else district_account,
                            category_id=categories["expense", relief.category],
                            amount_fen=relief.amount_fen, counterparty=person[relief.staff_id].name,
                            memo=relief.number, staff_id=relief.staff_id,
                            application_id=relief.app_id)
        relief.entries.append(entry)
        entries.append(entry)
    assert mistaken is not None and {"duplicate", "typo", "corrected"} <= set(tagged)

    app_rows, event_rows = [], []
    for relief in reliefs:
        vouchers = iter([str(e["voucher_no"]) for e in relief.entries])
        steps = [(a, b, c, d, e, next(vouchers) if a == "paid" else f)
                 for a, b, c, d, e, f in relief.steps]
        app_rows.append(relief_row(
            relief.app_id, relief.number, school_id=relief.school_id, staff_id=relief.staff_id,
            category_id=categories["expense", relief.category], amount_fen=relief.amount_fen,
            reason=relief.reason, medical=relief.medical, id_number=relief.id_number,
            steps=steps))
        event_rows += relief_events(relief.app_id, steps)
    # Core inserts: the ORM's bulk insert would split the rows by which columns are None.
    session.execute(insert(ReliefApplication.__table__), app_rows)
    session.execute(insert(ReliefEvent.__table__), event_rows)
    session.execute(insert(FundEntry.__table__), [e for e in entries if e["reverses_id"] is None])
    session.execute(insert(FundEntry.__table__),
                    [e for e in entries if e["reverses_id"] is not None])
    session.execute(insert(FundVoucherCounter.__table__), ledger.counters())
    sync_id_sequences(session, ReliefApplication, FundEntry)

    # Hospital papers for the application waiting for `chair`.
    waiting = next(r for r in app_rows if r["filed_by"] == delegate and r["state"] == "submitted")
    session.add_all([ReliefAttachment(
        application_id=waiting["id"], filename=name, content_type="application/pdf",
        size=len(_DEMO_PDF), data=_DEMO_PDF, uploaded_by=delegate,
        uploaded_at=waiting["submitted_at"]) for name in ("住院费用清单.pdf", "诊断证明.pdf")])

    # Reconciliation: the end of August agreed; the November check is ¥35.00 short.
    def ledger_on(day: dt.date) -> int:
        return sum(e["amount_fen"] * (1 if e["kind"] == "income" else -1)
                   for e in entries if e["entry_date"] <= day)

    august, november = dt.date(2026, 8, 31), dt.date(2026, 11, 20)
    session.add_all([
        BankCheck(checked_on=august, bank_balance_fen=ledger_on(august),
                  ledger_balance_fen=ledger_on(august), note="8月末对账，银行对账单与账面一致。",
                  recorded_by=district, recorded_at=local_at(dt.date(2026, 9, 1), 9, 30)),
        BankCheck(checked_on=november, bank_balance_fen=ledger_on(november) - 3_500,
                  ledger_balance_fen=ledger_on(november),
                  note="银行余额比账面少35.00元，疑为跨行汇款手续费，待查。", recorded_by=district,
                  recorded_at=local_at(dt.date(2026, 11, 21), 10, 5)),
    ])
    session.flush()


def _demo_relief(rng: random.Random, school_ids: list[int], *, accounts: dict[str, int],
                 person: dict, active: dict[int, list[int]], retired: dict[int, list[int]]
                 ) -> list[PlannedRelief]:
    """Three years of applications at every school, and MH01's open ones, within the
    categories' yearly caps per person (counting every application ever submitted)."""
    caps = {name: (cap, count) for name, _code, cap, count in fund.DEFAULT_CATEGORIES}
    district, chair = accounts["district"], accounts["chair"]
    delegate, delegate2, delegate3 = (accounts[n] for n in ("delegate", "delegate2", "delegate3"))
    first = school_ids[0]
    used: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0])
    reliefs: list[PlannedRelief] = []

    def recipient(school_id: int, category: str, year: int, amount: int) -> int | None:
        """Someone the category's yearly caps still allow this amount for."""
        cap, count = caps[category]
        pool = (retired if category == "退休教职工慰问" else active)[school_id]
        for staff_id in rng.sample(pool, len(pool)):
            fen, n = used[staff_id, category, year]
            if fen + amount <= cap and n < count:
                return staff_id
        return None

    def add(school_id: int, category: str, amount: int, steps: list[Step], *,
            staff_id: int | None = None, reason: str = "", medical: str = "") -> None:
        year = steps[0][4].year
        staff_id = staff_id or recipient(school_id, category, year, amount)
        if staff_id is None:
            return
        case_reason, case_medical = rng.choice(RELIEF_CASES[category])
        who = person[staff_id]
        number = (id_number(who.birth_date, staff_id, who.gender)
                  if category in ("大病救助", "生活困难补助", "灾害救助") else None)
        used[staff_id, category, year][0] += amount
        used[staff_id, category, year][1] += 1
        reliefs.append(PlannedRelief(school_id, staff_id, category, amount,
                                     reason or case_reason, medical if reason else case_medical,
                                     number, steps))

    def filed(school_id: int, category: str, amount: int, day: dt.date,
              fate: str = "paid") -> None:
        filer = accounts[rng.choice(("delegate", "delegate2", "delegate3") if school_id == first
                                    else ("delegate2", "delegate3"))]
        at = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)))
        add(school_id, category, amount, relief_steps(
            rng, filed=at, filer=filer, chair=chair, district=district, fate=fate,
            last_day=FUND_LAST_DAY))

    def fate() -> str:
        u = rng.random()
        return ("returned_paid" if u < 0.07 else "rejected_school" if u < 0.11
                else "rejected_district" if u < 0.14 else "cancelled" if u < 0.17 else "paid")

    def some_day(start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=rng.randrange((end - start).days + 1))

    for year in (2024, 2025, 2026):
        year_end = min(dt.date(year, 12, 31), FUND_LAST_DAY - dt.timedelta(days=3))
        for school_id in school_ids:
            for _ in range(2):
                filed(school_id, "节日送温暖慰问", rng.choice((500, 600, 800, 1000)) * 100,
                      SPRING_FESTIVAL[year] - dt.timedelta(days=rng.randint(22, 30)),
                      "paid" if rng.random() < 0.95 else "cancelled")
            for _ in range(2):
                filed(school_id, "退休教职工慰问", rng.choice((500, 800, 1000)) * 100,
                      DOUBLE_NINTH[year] - dt.timedelta(days=rng.randint(18, 24)))
            for _ in range(rng.choice((1, 1, 1, 2))):
                filed(school_id, "金秋助学", rng.choice((1000, 1500, 2000, 3000)) * 100,
                      some_day(dt.date(year, 8, 1), dt.date(year, 8, 25)), fate())
            for _ in range(rng.choice((0, 1, 1, 2))):
                filed(school_id, "生活困难补助", rng.choice((2000, 3000, 4000, 5000)) * 100,
                      some_day(dt.date(year, 1, 5), year_end), fate())
            for _ in range(rng.choice((0, 1, 1, 2))):
                filed(school_id, "大病救助", rng.randint(5, 30) * 100_000,
                      some_day(dt.date(year, 1, 5), year_end), fate())
    for school_id in (school_ids[2], school_ids[5], school_ids[6]):  # the July 2024 flood
        for _ in range(rng.randint(2, 3)):
            filed(school_id, "灾害救助", rng.randint(3, 10) * 100_000,
                  some_day(dt.date(2024, 7, 12), dt.date(2024, 7, 20)))
    for _ in range(2):  # the September 2025 typhoon
        filed(school_ids[9], "灾害救助", rng.randint(3, 8) * 100_000,
              some_day(dt.date(2025, 9, 15), dt.date(2025, 9, 20)))

    # MH01 now: an application in each open state for the demo accounts to act on, and a
    # rejected and a cancelled one this year.
    def story(filer: int, *moves: tuple[str, str, str, int, str, str]) -> list[Step]:
        steps: list[Step] = [(a, b, c, d, dt.datetime.fromisoformat(e), f)
                             for a, b, c, d, e, f in moves]
        return [("filed", None, "draft", filer, steps[0][4] - dt.timedelta(minutes=12), ""),
                *steps]

    def mh01(category: str, amount: int, steps: list[Step], **text: str) -> None:
        staff_id = recipient(first, category, 2026, amount)
        assert staff_id is not None
        add(first, category, amount, steps, staff_id=staff_id, **text)

    def submitted(filer: int, at: str) -> tuple[str, str, str, int, str, str]:
        return ("submitted", "draft", "submitted", filer, at, "")

    mh01("大病救助", 1_200_000, story(delegate, submitted(delegate, "2026-11-18 15:12")))
    mh01("生活困难补助", 300_000, story(chair, submitted(chair, "2026-11-20 10:05")),
         reason="配偶车祸骨折住院手术，需休养三个月，家庭收入减少。<b>x</b>",
         medical="配偶：右股骨干骨折，行切开复位内固定术，住院18天。")
    mh01("大病救助", 800_000, story(
        delegate2, submitted(delegate2, "2026-11-12 09:40"),
        ("school_approved", "submitted", "school_approved", chair, "2026-11-16 16:20",
         "经工会委员走访核实，情况属实。")))
    mh01("生活困难补助", 400_000, story(
        delegate3, submitted(delegate3, "2026-11-05 11:02"),
        ("school_approved", "submitted", "school_approved", chair, "2026-11-09 14:30",
         "情况属实，同意上报。"),
        ("district_approved", "school_approved", "district_approved", district,
         "2026-11-13 10:15", "经审核，同意救助。")))
    mh01("生活困难补助", 200_000,
         [("filed", None, "draft", delegate, dt.datetime(2026, 11, 23, 16, 45), "")])
    mh01("大病救助", 1_500_000, story(
        delegate, submitted(delegate, "2026-11-10 14:00"),
        ("returned", "submitted", "returned", chair, "2026-11-14 09:30",
         "请补充医院出具的费用清单和医保结算单。")))
    mh01("金秋助学", 200_000, story(
        delegate2, submitted(delegate2, "2026-08-12 10:30"),
        ("rejected", "submitted", "rejected", chair, "2026-08-17 15:00",
         "经核实，申请人子女今年未升学，不符合金秋助学条件。")))
    mh01("生活困难补助", 250_000, story(
        delegate3, submitted(delegate3, "2026-09-03 09:10"),
        ("cancelled", "submitted", "cancelled", delegate3, "2026-09-08 11:40",
         "申请人已获得其他渠道救助，主动撤回申请。")))

    return reliefs


def _demo_income(rng: random.Random, school_ids: list[int], *, account_of: dict[int, int],
                 district_account: int, person: dict, active: dict[int, list[int]]
                 ) -> list[tuple[dt.date, int, str, int, str, str, str]]:
    """Grants, union funds, 慈善一日捐 and gifts over three years, with two mistakes tagged:
    (day, account, source, fen, counterparty, memo, tag)."""
    first = school_ids[0]

    def some_day(start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=rng.randrange((end - start).days + 1))

    incomes: list[tuple[dt.date, int, str, int, str, str, str]] = [
        (dt.date(2024, 1, 5), district_account, "教育局补助", 20_000_000, "明湖区教育局",
         "特困教职工救助基金设立启动资金", "")]
    for year in (2024, 2025, 2026):
        incomes.append((dt.date(year, 1, rng.randint(8, 15)), district_account, "工会经费拨付",
                        rng.randint(800_000, 950_000) * 10, "明湖区教育工会",
                        f"{year}年度工会经费拨付救助基金", ""))
        for n, month in enumerate((1, 6), start=1):
            incomes.append((dt.date(year, month, rng.randint(16, 26)), district_account,
                            "教育局补助", rng.randint(30, 50) * 100_000, "明湖区教育局",
                            f"{year}年特困教职工救助专项补助（第{n}批）", ""))
        for month in (4, 11):
            day = dt.date(year, month, rng.randint(3, 20))
            if day <= FUND_LAST_DAY:
                incomes.append((day, district_account, "财政补助",
                                rng.randint(200, 400) * 10_000 + rng.choice((0, 0, 35_050)),
                                "明湖区财政局", f"{year}年困难职工帮扶资金", ""))
        for _ in range(rng.randint(2, 3)):
            school = rng.choice((None, None, *school_ids))
            incomes.append((some_day(dt.date(year, 1, 10), dt.date(year, 11, 20)),
                            account_of.get(school, district_account), "单位赞助",
                            rng.randint(1, 3) * 1_000_000, rng.choice(SPONSORS),
                            f"{year}年爱心救助捐赠", ""))
        for _ in range(rng.randint(3, 5)):
            school = rng.choice((None, *school_ids))
            incomes.append((some_day(dt.date(year, 1, 10), dt.date(year, 11, 20)),
                            account_of.get(school, district_account), "社会爱心人士捐赠",
                            rng.choice(PRIVATE_AMOUNTS_FEN), rng.choice(PRIVATE_DONORS),
                            "捐赠特困教职工救助基金", ""))
        for school_id in school_ids:  # 慈善一日捐: the whole staff, and some give more
            if (year, school_id) == (2026, first):
                continue  # imported from Excel, below
            day = some_day(dt.date(year, 9, 5), dt.date(year, 9, 30))
            incomes.append((day, account_of[school_id], "教职工个人捐款",
                            rng.randint(950_000, 1_450_000), "全体教职工",
                            f"{year}年慈善一日捐", ""))
            for staff_id in rng.sample(active[school_id], rng.randint(2, 4)):
                incomes.append((day + dt.timedelta(days=rng.randint(0, 10)),
                                account_of[school_id], "教职工个人捐款",
                                rng.choice((20_000, 30_000, 50_000, 100_000, 200_000)),
                                person[staff_id].name, f"{year}年慈善一日捐（个人加捐）", ""))
    # A grant posted twice (the second reversed the next day); a gift typed ten times too
    # large (reversed two days later, when the right amount was posted).
    twice = next(i for i in sorted(incomes) if i[2] == "财政补助" and i[0].year == 2025)
    incomes.append((*twice[:6], "duplicate"))
    typo_school, typo_day = school_ids[4], dt.date(2024, 10, 16)
    giver = person[active[typo_school][0]].name
    incomes.append((typo_day, account_of[typo_school], "教职工个人捐款", 1_865_000, giver,
                    "2024年慈善一日捐（个人加捐）", "typo"))
    incomes.append((typo_day + dt.timedelta(days=2), account_of[typo_school], "教职工个人捐款",
                    186_500, giver, "2024年慈善一日捐（个人加捐）", "corrected"))
    return incomes


# A one-page PDF: enough for the attachment list and the download button.
_DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")
