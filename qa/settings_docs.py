"""The settings described from their one home (the groups in ``qa.settings``): the README's table
and ``python -m qa settings`` are both printed from the field definitions, so they cannot drift."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo

from qa.settings import GROUPS, Settings


def env_name(name: str, field: FieldInfo) -> str:
    if isinstance(field.validation_alias, AliasChoices):
        return str(field.validation_alias.choices[0]).upper()
    return f"QA_{name.upper()}"


def _shown(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "(set)" if value.get_secret_value() else "(empty)"
    if value is None:
        return "unset"
    return str(value)


def settings_markdown() -> str:
    """One table per group: variable, default, meaning."""
    parts: list[str] = []
    for group, cls in GROUPS.items():
        parts += [
            f"**{group}** — {(cls.__doc__ or '').strip()}",
            "",
            "| variable | default | meaning |",
            "|---|---|---|",
        ]
        for name, field in cls.model_fields.items():
            default = _shown(field.get_default(call_default_factory=True))
            meaning = " ".join((field.description or "").split()).replace("|", "\\|")
            parts.append(f"| `{env_name(name, field)}` | `{default}` | {meaning} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def effective_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(group, variable, value) of every setting in effect; secrets are never printed."""
    rows = []
    for group in GROUPS:
        values = getattr(settings, group)
        for name, field in type(values).model_fields.items():
            rows.append((group, env_name(name, field), _shown(getattr(values, name))))
    return rows
