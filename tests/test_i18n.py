"""Every label comes from a catalogue; both catalogues hold the same keys."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.access import PAGES
from services.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
            *sorted((ROOT / "ui").glob("*.py"))]
CODE_FILES = [*UI_FILES, *sorted((ROOT / "services").glob("*.py")),
              *sorted((ROOT / "seeds").glob("*.py"))]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Streamlit calls whose first argument or label-like keywords a person reads.
DISPLAY_CALLS = {
    "title", "header", "subheader", "write", "markdown", "caption", "text", "info", "warning",
    "error", "success", "toast", "button", "form_submit_button", "text_input", "text_area",
    "number_input", "selectbox", "multiselect", "radio", "checkbox", "toggle", "date_input",
    "segmented_control", "page_link", "metric", "download_button", "tabs", "expander",
    "file_uploader", "spinner", "status", "link_button", "slider", "select_slider",
}
LABEL_KEYWORDS = {"label", "help", "placeholder", "title", "caption"}


def test_catalogues_hold_the_same_keys():
    zh, en = catalogue("zh"), catalogue("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []
    assert LANGUAGES == ("zh", "en")


def test_placeholders_match_between_languages():
    field = re.compile(r"\{(\w+)")
    zh, en = catalogue("zh"), catalogue("en")
    for key in zh:
        assert set(field.findall(zh[key])) == set(field.findall(en[key])), key


def test_no_empty_labels():
    for lang in LANGUAGES:
        assert [k for k, v in catalogue(lang).items() if not v.strip()] == []


def test_chinese_is_the_default():
    assert t("logout") == "退出登录"
    assert t("logout", "en") == "Log out"
    assert t("logout", "xx") == "退出登录"


def _literal_keys(tree: ast.AST) -> set[str]:
    keys = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", ""))
                in {"tr", "t", "DomainError"} and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            keys.add(node.args[0].value)
    return keys


def test_every_key_used_in_code_exists():
    used: set[str] = set()
    for path in CODE_FILES:
        used |= _literal_keys(ast.parse(path.read_text(encoding="utf-8")))
    used |= {p.title_key for p in PAGES} | {p.section for p in PAGES}
    assert sorted(k for k in used if k not in catalogue("zh")) == []


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_use_no_literal_ui_strings(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        # Chinese text outside docstrings must come from the catalogue ("、" separators may stay).
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings and CJK.search(node.value)):
            problems.append(f"line {node.lineno}: {node.value!r}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in DISPLAY_CALLS:
            first = [] if node.func.attr == "page_link" else node.args[:1]  # a file path
            args = list(first) + [k.value for k in node.keywords
                                           if k.arg in LABEL_KEYWORDS]
            for arg in args:
                if isinstance(arg, ast.Constant | ast.JoinedStr) and not (
                        isinstance(arg, ast.Constant) and not isinstance(arg.value, str)):
                    problems.append(f"line {node.lineno}: literal in {node.func.attr}()")
    assert problems == []
