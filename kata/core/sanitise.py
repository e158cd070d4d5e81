"""Learner-controlled text made safe for each place it is shown: a terminal, a spreadsheet, Markdown,
HTML (a page, a notebook, an SVG drawing): one escaper per format, for every part of the kata.

A learner chooses their submission's file names and the messages their code
raises, and may have read this code: none of it may drive the instructor's
terminal, run as a spreadsheet formula, or become markup in the class report.
"""

from __future__ import annotations

import html
import re

# C0 controls but newline and tab, DEL, C1 controls, the bidi overrides and isolates that reorder
# what a line shows, lone surrogates (a file name that is not UTF-8), which cannot be printed, and
# U+FFFE and U+FFFF, which XML (an SVG drawing) cannot hold.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
# Characters that start Markdown formatting, links or raw HTML anywhere in a line.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>&|#~])")
# A line starting like a list item ("- ", "+ ", "1. ", "2) ") becomes one, even inside another item.
_LIST_START = re.compile(r"^(\d*)([-+.)])")


def visible(text: str) -> str:
    """Control characters written as escapes (ESC as \\x1b): seen by the instructor, never obeyed."""
    return _CONTROL.sub(lambda found: ascii(found[0])[1:-1], text)


def visible_line(text: str) -> str:
    """visible(), newlines and tabs included: a name or message cannot fake a line of its own."""
    return visible(text).replace("\n", "\\n").replace("\t", "\\t")


def capped(text: str, limit: int) -> str:
    """The first limit characters and how many more there were: a 200 kB message stays readable."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text rather than runs as a formula: OWASP's leading quote."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def markdown_text(text: str) -> str:
    """One line of Markdown that renders as the text itself: no HTML, link, emphasis or table cell end."""
    escaped = _MARKDOWN.sub(r"\\\1", visible(text).replace("\n", " "))
    return _LIST_START.sub(r"\1\\\2", escaped)


def markdown_with_code(text: str) -> str:
    """markdown_text(), with `backquoted` parts kept as code, as the misconceptions' names write them.

    A code span shows its text as written: kept only if it holds no line break and no | (a cell's end)."""
    parts = re.split(r"(`[^`\n|]+`)", visible(text))
    return "".join(part if i % 2 else markdown_text(part) for i, part in enumerate(parts))


def markdown_code(code: str, language: str = "python") -> str:
    """A fenced code block, its fence longer than any backtick run in the code: nothing inside ends it."""
    shown = visible(code)
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{shown}\n{fence}"


def html_text(text: str) -> str:
    """Text, quotes included, that HTML shows as written: never a tag, an entity or an attribute's end."""
    return html.escape(visible(text), quote=True)


def html_with_code(text: str) -> str:
    """html_text(), with `backquoted` parts set as code, as the misconceptions' names write them."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html_text(text))


def html_line(text: str) -> str:
    """html_text() on one line, newlines and tabs shown as escapes: a label in a drawing stays one line."""
    return html.escape(visible_line(text), quote=True)
