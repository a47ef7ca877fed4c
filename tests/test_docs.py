"""The README and docs/: every relative link leads to a file and heading that exist; Python blocks parse."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^(```|~~~)(\w*)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`+[^`\n]*`+")
_LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def _prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets and '#' are not markdown."""
    return _INLINE_CODE.sub("", _FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(page: Path) -> list[str]:
    return [t for t in _LINK.findall(_prose(page.read_text(encoding="utf-8"))) if not _EXTERNAL.match(t)]


def test_the_pages_exist_and_link_somewhere() -> None:
    assert (ROOT / "docs" / "index.md") in PAGES
    assert _links(ROOT / "README.md"), "the README should link into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading with anchor '{anchor}' in {dest.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_index_links_every_document() -> None:
    linked = {(ROOT / "docs" / t.partition("#")[0]).resolve() for t in _links(ROOT / "docs" / "index.md")}
    missing = [p.name for p in PAGES if p.parent.name == "docs" and p.name != "index.md" and p not in linked]
    assert not missing, f"docs/index.md does not link {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_python_blocks_parse(page: Path) -> None:
    for match in _FENCE.finditer(page.read_text(encoding="utf-8")):
        if match.group(2) == "python":
            ast.parse(match.group(3), filename=str(page))


def test_anchors_follow_github() -> None:
    assert _slug("Why `runtime/engine/_native.c` exists") == "why-runtimeengine_nativec-exists"
    assert _slug("What differs from Weaviate, and why") == "what-differs-from-weaviate-and-why"
    assert _slug("Extensions (rankql's own)") == "extensions-rankqls-own"
