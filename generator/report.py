"""Findings as text (one line each), JSON (hadolint's shape), SARIF 2.1.0 or GitLab code quality."""

from __future__ import annotations

from generator import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from generator.check import Finding
    from generator.rules.base import Rule

FORMATS = ("text", "json", "sarif", "gitlab")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_COLORS = {"error": "31", "warning": "33", "info": "36", "style": "2"}
#: SARIF has three levels; hadolint maps info and style to note the same way.
_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note", "style": "note"}


def text(findings: Sequence[Finding], *, color: bool = False) -> str:
    """One line per finding: ``file:line code level: message``."""
    lines = []
    for f in findings:
        level = f"\033[{_COLORS[f.level]}m{f.level}\033[0m" if color else f.level
        code = f"\033[1m{f.code}\033[0m" if color else f.code
        lines.append(f"{f.file}:{f.line} {code} {level}: {f.message}")
    return "".join(line + "\n" for line in lines)


def as_json(findings: Sequence[Finding]) -> str:
    """A JSON list of ``{file, line, column, level, code, message}``, as hadolint prints."""
    import json

    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"


def _uri(file: str) -> str:
    """A relative, forward-slash URI, as GitHub code scanning wants for files in the repository."""
    from pathlib import Path  # SARIF output only

    path = Path(file)
    if path.is_absolute():
        try:
            path = path.resolve().relative_to(Path.cwd().resolve())
        except ValueError:
            return path.as_uri()
    return path.as_posix()


def sarif(findings: Sequence[Finding], rules: Sequence[Rule]) -> str:
    """A SARIF 2.1.0 log with one run; ``rules`` are described in the tool's driver.

    Each rule carries its whole documentation as ``help``, which GitHub code scanning
    shows beside an alert (the same text ``byoi rules CODE`` prints).
    """
    described = list(rules)
    codes = {r.code for r in described}
    from generator.rules.registry import RULES

    described += [RULES[f.code] for f in findings if f.code not in codes and f.code in RULES]
    index = {r.code: i for i, r in enumerate(described)}
    driver: dict[str, Any] = {
        "name": "byoi",
        "version": __version__,
        "rules": [
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": _SARIF_LEVELS[r.level]},
                "properties": {"tags": sorted(r.targets)},
            }
            for r in described
        ],
    }
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVELS[f.level],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.file)},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in findings
        if f.code in index
    ]
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}
    import json

    return json.dumps(log, indent=2) + "\n"


#: GitLab code quality severities (info, minor, major, critical, blocker), mapped as
#: hadolint's gitlab_codeclimate format maps its levels.
_GITLAB_SEVERITIES = {"error": "blocker", "warning": "major", "info": "info", "style": "minor"}


def gitlab(findings: Sequence[Finding]) -> str:
    """A GitLab code quality report: a JSON list of ``description``, ``check_name``,
    ``fingerprint``, ``severity`` and ``location`` (``path`` relative to the repository,
    ``lines.begin``), for ``artifacts:reports:codequality``.

    The fingerprint (GitLab tells findings apart by it across pipelines) hashes the rule,
    the file, the message and how many times the same triple came before, not the line,
    so a finding keeps its identity when lines are added above it.
    """
    import hashlib
    import json

    seen: dict[tuple[str, str, str], int] = {}
    issues = []
    for f in findings:
        path = _uri(f.file).removeprefix("./")
        key = (f.code, path, f.message)
        seen[key] = seen.get(key, 0) + 1
        digest = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()
        issues.append(
            {
                "description": f"{f.code}: {f.message}",
                "check_name": f.code,
                "fingerprint": digest,
                "severity": _GITLAB_SEVERITIES[f.level],
                "location": {"path": path, "lines": {"begin": f.line}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


def render(findings: Sequence[Finding], fmt: str, rules: Sequence[Rule], *, color: bool = False) -> str:
    """Findings in ``fmt`` (text, json, sarif or gitlab)."""
    if fmt == "gitlab":
        return gitlab(findings)
    if fmt == "json":
        return as_json(findings)
    if fmt == "sarif":
        return sarif(findings, rules)
    return text(findings, color=color)
