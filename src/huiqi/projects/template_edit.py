"""The office edits the stage templates in the browser: per project type, each step's name,
responsible department and time limit in working days. Checked field by field (errors in
Chinese, keyed by row and field for the form), then the whole set is checked again by
templates.parse and written at once to `<data_dir>/project_templates.yaml` (an audit row in
the same transaction). Projects already registered keep their own copied steps."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from huiqi import audit
from huiqi.auth.actor import Actor
from huiqi.kit.errors import NotFound, ValidationFailed
from huiqi.projects import repository as repo
from huiqi.projects import templates
from huiqi.projects.access import require_office
from huiqi.projects.templates import MAX_WORKDAYS, OFFICE_FILE, ProjectType

HEADER = ("# 招商项目代办：环节模板（营商办在页面上修改后保存于此；格式见软件包内 "
          "projects/templates.yaml）。\n")


def as_raw(types: Mapping[str, ProjectType]) -> dict[str, Any]:
    """The templates as the YAML document `templates.parse` reads."""
    out: dict[str, Any] = {}
    for key, t in types.items():
        steps = []
        for s in t.steps:
            step = {k: v for k, v in asdict(s).items() if k != "after"}
            step["after"] = list(s.after)
            steps.append(step)
        out[key] = {"label": t.label, "steps": steps}
    return {"types": out}


def check_steps(session: Session, current: ProjectType,
                edits: Sequence[Mapping[str, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The edited rows (name, department, workdays per step, in the template's order) as step
    dicts, and the errors keyed `"{row}.{field}"` (row from 0)."""
    errors: dict[str, str] = {}
    if len(edits) != len(current.steps):
        raise ValidationFailed("环节数量与模板不符，请刷新页面后重试。")
    steps = []
    for i, (step, edit) in enumerate(zip(current.steps, edits, strict=True)):
        name = (edit.get("name") or "").strip()
        dept = (edit.get("department") or "").strip()
        raw_days = (edit.get("workdays") or "").strip()
        if not name:
            errors[f"{i}.name"] = "请填写环节名称"
        elif len(name) > 50:
            errors[f"{i}.name"] = "环节名称不超过 50 个字"
        if not dept:
            errors[f"{i}.department"] = "请填写责任部门"
        elif repo.department_for(session, dept) is None:
            errors[f"{i}.department"] = (f"找不到部门「{dept}」：请填写部门代码、全称，或只对应"
                                         "一个部门的名称片段")
        days = None
        if not raw_days.isdigit():
            errors[f"{i}.workdays"] = "时限应为整数（工作日）"
        elif not 0 <= int(raw_days) <= MAX_WORKDAYS:
            errors[f"{i}.workdays"] = f"时限应在 0 到 {MAX_WORKDAYS} 个工作日之间"
        else:
            days = int(raw_days)
        steps.append({"key": step.key, "name": name, "department": dept,
                      "workdays": days if days is not None else step.workdays,
                      "after": list(step.after), "kind": step.kind})
    return steps, errors


def save(session: Session, actor: Actor, data_dir: Path, type_key: str,
         edits: Sequence[Mapping[str, str]]) -> ProjectType:
    """Save the office's edits of one project type's steps (ValidationFailed with per-field
    details when refused; nothing is written then)."""
    require_office(actor)
    types = templates.load(data_dir)
    current = types.get(type_key)
    if current is None:
        raise NotFound("未找到该项目类型。")
    steps, errors = check_steps(session, current, edits)
    if errors:
        raise ValidationFailed(f"环节模板有 {len(errors)} 处需要修改，见各行提示。",
                               details=errors)
    raw = as_raw(types)
    raw["types"][type_key]["steps"] = steps
    saved = templates.parse(raw, OFFICE_FILE)  # the whole set, as a file would be checked
    before = {s.key: [s.name, s.department, s.workdays] for s in current.steps}
    after = {s.key: [s.name, s.department, s.workdays] for s in saved[type_key].steps}
    audit.record(session, actor, "project.template_save", ("project_templates", type_key),
                 before={k: v for k, v in before.items() if after.get(k) != v},
                 after={k: v for k, v in after.items() if before.get(k) != v})
    text = HEADER + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    _write(data_dir / OFFICE_FILE, text)  # raising here rolls the audit row back
    return saved[type_key]


def _write(path: Path, text: str) -> None:
    """Replace the file at once (readers never see half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".templates-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
