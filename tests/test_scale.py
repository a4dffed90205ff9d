"""The scale generator and the page benchmark, at a tiny scale so neither can rot."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from bench.__main__ import main as bench_main
from bench.pages import roles_for, target_ms
from db.engine import make_engine, make_sessionmaker
from db.feedback import FEEDBACK_STATUSES, FeedbackCase, FeedbackMessage
from db.migrate import upgrade_to_head
from db.models import (
    Account,
    AccountRole,
    AuditEntry,
    CongressTerm,
    DelegateMembership,
    Department,
    School,
    Staff,
)
from seeds import __main__ as seeds_main
from seeds.scale import Profile, load_scale
from services.access import PAGES_BY_KEY
from services.auth import verify_login


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_scale_counts_are_exact(session):
    load_scale(session, 0.02)  # 6 schools of 50 staff
    session.commit()
    assert count(session, School) == 6
    assert count(session, Department) == 36
    assert count(session, Staff) == 300
    assert count(session, CongressTerm) == 18
    assert count(session, DelegateMembership) == 18 * 12
    assert count(session, Account) == 7 + 2 * 5
    assert count(session, AccountRole) == 17
    assert count(session, AuditEntry) == 6000
    assert count(session, FeedbackCase) == 3000
    assert verify_login(session, "chair", "union-demo") is not None


def test_scale_feedback(session):
    load_scale(session, 0.01, Profile(audit_entries=100))
    session.commit()
    cases, messages = count(session, FeedbackCase), count(session, FeedbackMessage)
    assert cases == 1500  # N × 150,000
    assert cases <= messages <= 3 * cases
    orphans = select(func.count()).select_from(FeedbackMessage).where(
        FeedbackMessage.case_id.not_in(select(FeedbackCase.id)))
    assert session.scalar(orphans) == 0
    assert session.scalar(select(func.count()).select_from(FeedbackMessage).where(
        (FeedbackMessage.kind == "writer") != FeedbackMessage.author_account_id.is_(None))) == 0
    rows = session.execute(select(FeedbackCase.school_id, FeedbackCase.at_district,
                                  FeedbackCase.district_involved, FeedbackCase.status,
                                  FeedbackCase.sent_on, FeedbackCase.closed_on,
                                  FeedbackCase.receipt_hash)).all()
    assert {(at_district, status) for _, at_district, _, status, *_ in rows} == {
        (at_district, status) for at_district in (False, True) for status in FEEDBACK_STATUSES}
    to_district = sum(school_id is None for school_id, *_ in rows)
    forwarded = sum(school_id is not None and involved for school_id, _, involved, *_ in rows)
    assert 0.15 < to_district / cases < 0.25
    assert 0.10 < forwarded / (cases - to_district) < 0.20
    for _, _, _, status, sent_on, closed_on, receipt_hash in rows:
        assert (status == "closed") == (closed_on is not None)
        assert closed_on is None or sent_on <= closed_on
        assert receipt_hash == "none"
    old = [status for _, _, _, status, sent_on, *_ in rows if sent_on.year < 2025]
    assert old.count("closed") > 0.8 * len(old)


def test_scale_is_deterministic_and_consistent(databases):
    names, feedback = [], []
    for _ in range(2):
        engine = make_engine(databases.new_url())
        upgrade_to_head(engine)
        with make_sessionmaker(engine)() as s:
            load_scale(s, 0.01, Profile(audit_entries=1000))
            s.commit()
            names.append(list(s.scalars(select(Staff.name).order_by(Staff.staff_no))))
            feedback.append(s.execute(select(FeedbackCase.id, FeedbackCase.body)
                                      .order_by(FeedbackCase.id)).all())
            if engine.dialect.name == "sqlite":
                assert s.execute(text("PRAGMA foreign_key_check")).all() == []
            # Every account's scope points into the district it belongs to.
            orphans = s.scalar(select(func.count()).select_from(AccountRole).where(
                AccountRole.school_id.is_not(None),
                AccountRole.school_id.not_in(select(School.id))))
            assert orphans == 0
        engine.dispose()
    assert names[0] == names[1] and len(names[0]) == 150
    assert feedback[0] == feedback[1] and len(feedback[0]) == 1500


def test_cli_scale_refuses_a_database_with_data(engine, session_factory, monkeypatch):
    monkeypatch.setenv("UNION_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert seeds_main.main(["--scale", "0.01"]) == 0
    assert seeds_main.main(["--scale", "0.01"]) == 2
    assert seeds_main.main(["--scale", "0"]) == 2
    with session_factory() as s:
        assert count(s, Staff) == 150


def test_targets():
    assert target_ms(PAGES_BY_KEY["feedback_submit"], "visitor", 1) == 50
    assert target_ms(PAGES_BY_KEY["audit_log"], "auditor", 1) == 150
    assert target_ms(PAGES_BY_KEY["audit_log"], "auditor", 10) == 500
    assert target_ms(PAGES_BY_KEY["staff"], "school_chair", 10) == 150
    assert roles_for(PAGES_BY_KEY["audit_log"]) == ["district_admin", "auditor"]
    assert roles_for(PAGES_BY_KEY["login"]) == ["visitor"]
    assert len(roles_for(PAGES_BY_KEY["home"])) == 5


def test_benchmark_runs_on_a_tiny_database(databases, tmp_path, monkeypatch):
    url = databases.new_url()
    engine = make_engine(url)
    upgrade_to_head(engine)
    with make_sessionmaker(engine)() as s:
        load_scale(s, 0.01, Profile(audit_entries=500))
        s.commit()
    engine.dispose()
    monkeypatch.setenv("UNION_DATABASE_URL", url)
    monkeypatch.setenv("UNION_COOKIE_KEY", "benchmark-test-key-0123456789abcdef")
    out = tmp_path / "bench.json"
    assert bench_main(["--json", str(out), "--runs", "2", "--no-browser"]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {"page", "role", "scale", "median_ms", "p95_ms", "target_ms", "missed"} <= set(rows[0])
    pages = {(r["page"], r["role"]) for r in rows}
    assert ("(first render)", "district_admin") in pages
    assert ("audit_log", "auditor") in pages and ("feedback_submit", "visitor") in pages
    assert all(r["scale"] == 0.01 for r in rows)
