"""Golden case files: cases of a header, '# key: value' settings, a query and '---- name' sections.

A file holds one or more cases. Each starts at a line '### <title>'; the lines up to the first
'---- <section>' line are settings (comment lines '# key: value', before the query or after it as
expectations) and the query text; each section
runs to the next section or case. A file without '### ' lines is one case named after the file.
Rewriting a file (--update-goldens) changes only section bodies; everything else stays byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

CASE_PREFIX = "### "
SECTION_PREFIX = "---- "
_SETTING = re.compile(r"^#\s*([A-Za-z][\w@.\-]*)\s*:\s?(.*)$")


@dataclass
class Case:
    """One case of a case file."""

    title: str
    line: int  # 1-based line of the header (or of the first line of the file)
    settings: list[tuple[str, str]] = field(default_factory=list)
    query: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    head: str = ""  # header, settings and query exactly as in the file
    query_line: int = 1  # 1-based line where the query text begins

    def setting(self, key: str, default: str | None = None) -> str | None:
        """The last value given for a setting."""
        for k, v in reversed(self.settings):
            if k == key:
                return v
        return default

    def settings_all(self, key: str) -> list[str]:
        return [v for k, v in self.settings if k == key]


@dataclass
class CaseFile:
    path: Path
    preamble: str
    cases: list[Case]

    def render(self) -> str:
        parts = [self.preamble]
        for case in self.cases:
            parts.append(case.head)
            for name, body in case.sections.items():
                parts.append(f"{SECTION_PREFIX}{name}\n")
                body = body.rstrip("\n")
                parts.append(body + "\n" if body else "")
            if case.sections:
                parts.append("\n")
        text = "".join(parts)
        return text.rstrip("\n") + "\n"

    def write(self) -> None:
        self.path.write_text(self.render(), encoding="utf-8")


def parse_case_text(text: str, name: str = "<cases>") -> tuple[str, list[Case]]:
    """Split case-file text into its preamble and cases."""
    lines = text.splitlines(keepends=True)
    has_headers = any(line.startswith(CASE_PREFIX) for line in lines)
    preamble: list[str] = []
    cases: list[Case] = []
    current: Case | None = None
    head: list[str] = []
    section: str | None = None
    body: list[str] = []

    def close_section() -> None:
        nonlocal section, body
        if current is not None and section is not None:
            current.sections[section] = "".join(body).rstrip("\n")
        section, body = None, []

    def close_case() -> None:
        nonlocal head
        close_section()
        if current is not None:
            if not current.head:
                current.head = "".join(head)
            _fill_head(current)
            cases.append(current)
        head = []

    if not has_headers:
        current = Case(title=Path(name).stem, line=1)
    for number, line in enumerate(lines, start=1):
        if line.startswith(CASE_PREFIX):
            close_case()
            current = Case(title=line[len(CASE_PREFIX) :].strip(), line=number)
            head = [line]
            continue
        if current is None:
            preamble.append(line)
            continue
        if line.startswith(SECTION_PREFIX):
            if section is None and not current.head:
                current.head = "".join(head)
            close_section()
            section = line[len(SECTION_PREFIX) :].strip()
            continue
        if section is not None:
            body.append(line)
        else:
            head.append(line)
    close_case()
    return "".join(preamble), cases


def _fill_head(case: Case) -> None:
    """Read settings and query out of a case's head text."""
    lines = case.head.splitlines()
    start = 1 if lines and lines[0].startswith(CASE_PREFIX) else 0
    query_lines: list[str] = []
    for offset, line in enumerate(lines[start:], start=start):
        match = _SETTING.match(line.strip())
        if match:
            case.settings.append((match.group(1), match.group(2).strip()))
            if not query_lines:
                continue
            # After the query starts a setting (an expectation) is also a GraphQL comment of the query
            # text, which stays as written.
        if not query_lines and not line.strip():
            continue
        if not query_lines:
            case.query_line = case.line + offset
        query_lines.append(line)
    case.query = "\n".join(query_lines).strip("\n")


def read_case_file(path: str | Path) -> CaseFile:
    path = Path(path)
    preamble, cases = parse_case_text(path.read_text(encoding="utf-8"), name=str(path))
    return CaseFile(path=path, preamble=preamble, cases=cases)
