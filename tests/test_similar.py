"""Similar motions: services/similar.py, pure Python over Chinese text (no database, no model)."""

from __future__ import annotations

import pytest

from services.similar import SEPARATORS, THRESHOLD, SimilarIndex, terms

CANTEEN = "关于改善教师食堂伙食质量的建议"
# One school's earlier motions: two on the canteen, the rest on other topics, some sharing
# the boilerplate (关于……的建议) or a verb (改善, 提高, 增加) with the canteen motion.
MOTIONS = [
    (1, "建议提高食堂饭菜质量"),
    (2, "关于增加体育器材的提案"),
    (3, "关于改善教职工停车难问题的建议"),
    (4, "关于加强青年教师培训的建议"),
    (5, "关于教师食堂延长开放时间的建议"),
    (6, "关于更新多媒体教室投影设备的提案"),
    (7, "改善食堂伙食，提高饭菜质量"),
    (8, "增加学校体育器材投入"),
    (9, "Wifi信号差，建议升级校园WiFi"),
]


def test_terms_are_characters_and_pairs_within_runs():
    assert terms("食堂，饭菜") == ["食", "堂", "食堂", "饭", "菜", "饭菜"]   # no 堂饭 across "，"
    assert terms("校园 WiFi 覆盖") == ["校", "园", "校园", "wifi", "覆", "盖", "覆盖"]
    assert terms("  ，。!?") == []
    assert terms("") == []


def test_boilerplate_separates_like_punctuation():
    assert terms("关于……的建议") == []
    assert terms("关于改善食堂的建议") == ["食", "堂", "食堂"]    # no 善食, no 堂的
    assert terms("和谐校园") == ["谐", "校", "园", "和谐", "谐校", "校园"]   # 和 alone is no term
    assert {"关于", "建议", "提案", "的", "改善", "提高"} <= set(SEPARATORS)


def test_the_canteen_motions_match_and_sports_equipment_does_not():
    index = SimilarIndex(MOTIONS)
    found = index.query(CANTEEN, limit=None)
    ids = [doc_id for doc_id, _score in found]
    assert ids == [7, 1, 5]          # most alike first: same words, then same topic
    assert all(score >= THRESHOLD for _id, score in found)
    assert 2 not in ids and 8 not in ids       # 体育器材
    assert 3 not in ids                        # shares only 改善 and 教
    assert 4 not in ids                        # shares only 教师


def test_the_pair_of_the_brief_in_an_index_of_two():
    index = SimilarIndex([(1, "建议提高食堂饭菜质量"), (2, "关于增加体育器材的提案")])
    assert [doc_id for doc_id, _ in index.query(CANTEEN)] == [1]
    [(doc_id, score)] = index.query(CANTEEN)
    assert doc_id == 1 and 0.3 < score < 0.5


def test_same_text_scores_one_and_orders_before_the_rest():
    index = SimilarIndex(MOTIONS)
    [(first, score), (second, _)] = index.query("关于增加体育器材的提案", limit=2)
    assert (first, second) == (2, 8)
    assert score == pytest.approx(1.0)


def test_limit_exclude_and_ties_by_id():
    index = SimilarIndex([(5, "食堂饭菜质量"), (3, "食堂饭菜质量"), (4, "体育器材")])
    assert index.query("食堂饭菜质量") == [(3, 1.0), (5, 1.0)]
    assert index.query("食堂饭菜质量", limit=1) == [(3, 1.0)]
    assert index.query("食堂饭菜质量", exclude=(3,)) == [(5, 1.0)]


def test_ascii_words_are_case_blind():
    index = SimilarIndex(MOTIONS)
    assert [doc_id for doc_id, _ in index.query("校园wifi覆盖")] == [9]


def test_nothing_to_compare():
    assert SimilarIndex([]).query(CANTEEN) == []
    assert SimilarIndex(MOTIONS).query("") == []
    assert SimilarIndex(MOTIONS).query("关于……的建议") == []
    assert SimilarIndex([(1, "，。")]).query(CANTEEN) == []
    assert len(SimilarIndex(MOTIONS)) == len(MOTIONS)


def test_the_threshold_can_be_set():
    loose = SimilarIndex(MOTIONS, threshold=0.05)
    assert 4 in [doc_id for doc_id, _ in loose.query(CANTEEN, limit=None)]
