"""Build-time hook: the guides are the README's sections, so the two never drift apart.

A page holds lines like ``<!-- readme: Quick start -->``; each is replaced by that
``## `` section of README.md (its heading and body); ``(intro)`` is the text before the
first section. A name that matches no section
fails the build. Sections that no page names land on ``more.md``, so a new README
section is never missing from the site. Links between sections are pointed at the page
that holds their target, and links to files of the repository at the repository, after
checking that the file exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPO = "https://github.com/etrade-sync/etrade_sync/blob/main/"
_MARK = re.compile(r"^<!-- readme: (.+?) -->$", re.MULTILINE)
_LINK = re.compile(r"\]\((?!https?://|mailto:)([^)\s]+)\)")


def _slug(title: str) -> str:
    text = re.sub(r"[^\w\s-]", "", title.lower()).strip()
    return re.sub(r"[\s]+", "-", text)


def _sections() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    found = {p.split("\n", 1)[0].strip(): "## " + p for p in parts[1:]}
    found["(intro)"] = parts[0].split("\n", 1)[1]  # all before the first section, untitled
    return found


def _placements(docs_dir: Path) -> dict[str, str]:
    """README section title -> the page that holds it."""
    found: dict[str, str] = {}
    for page in sorted(docs_dir.glob("*.md")):
        for title in _MARK.findall(page.read_text(encoding="utf-8")):
            found[title] = page.name
    return found


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    docs_dir = Path(config["docs_dir"])
    sections = _sections()
    placed = _placements(docs_dir)
    anchors = {}
    for title, where in placed.items():
        anchors[_slug(title)] = where
        for sub in re.findall(r"^### (.+)$", sections.get(title, ""), re.MULTILINE):
            anchors[_slug(sub)] = where
    for title in sections:
        if title not in placed and title != "(intro)":
            anchors.setdefault(_slug(title), "more.md")

    def section(match: re.Match[str]) -> str:
        title = match.group(1)
        if title not in sections:
            raise ValueError(f"{page.file.src_path}: README.md has no section '## {title}'")
        return _relink(sections[title], page.file.src_path, anchors)

    markdown = _MARK.sub(section, markdown)
    if page.file.src_path == "more.md":
        rest = [sections[t] for t in sections if t not in placed and t != "(intro)"]
        markdown += "\n\n" + "\n\n".join(_relink(s, "more.md", anchors) for s in rest)
    return markdown


def _relink(text: str, here: str, anchors: dict[str, str]) -> str:
    def fix(match: re.Match[str]) -> str:
        target = match.group(1)
        if target.startswith("#"):
            where = anchors.get(target[1:])
            if where is None:
                raise ValueError(f"README link {target} points at no section")
            return f"]({target})" if where == here else f"]({where}{target})"
        path = target.split("#", 1)[0]
        if path.startswith("docs/"):  # a page of this site
            if not (ROOT / path).exists():
                raise ValueError(f"README links to {path}, which is not a docs page")
            return f"]({target[len('docs/') :]})"
        if not (ROOT / path).exists():
            raise ValueError(f"README links to {path}, which is not in the repository")
        return f"]({REPO}{target})"

    return _LINK.sub(fix, text)
