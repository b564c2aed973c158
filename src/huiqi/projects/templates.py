"""Stage templates per project type (templates.yaml here, or the office's copy in the data
directory: `<data_dir>/project_templates.yaml` wins). A bad file is refused whole, naming the
type and step, so a project is never planned from half a template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from huiqi.kit.errors import ValidationFailed

PACKAGED = Path(__file__).with_name("templates.yaml")
OFFICE_FILE = "project_templates.yaml"
KINDS = {"milestone": "主线环节", "utility": "配套接入"}
REQUIRED_KEYS = ("sign", "start", "production")  # 签约 starts the clock; rates read 开工, 投产
MAX_WORKDAYS = 1000


@dataclass(frozen=True)
class StepTemplate:
    key: str
    name: str
    department: str  # a department code, or a fragment of its name
    workdays: int
    after: tuple[str, ...]
    kind: str = "milestone"


@dataclass(frozen=True)
class ProjectType:
    key: str
    label: str
    steps: tuple[StepTemplate, ...]


def path_for(data_dir: Path | None) -> Path:
    if data_dir is not None and (data_dir / OFFICE_FILE).is_file():
        return data_dir / OFFICE_FILE
    return PACKAGED


def load(data_dir: Path | None = None) -> dict[str, ProjectType]:
    path = path_for(data_dir)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationFailed(f"项目环节模板 {path.name} 无法读取：{exc}") from None
    return parse(raw, path.name)


def parse(raw: object, source: str = "templates.yaml") -> dict[str, ProjectType]:
    types = raw.get("types") if isinstance(raw, Mapping) else None
    if not isinstance(types, Mapping) or not types:
        raise ValidationFailed(f"{source}：应有 types，列出每类项目的环节。")
    return {str(k): _type(str(k), v, source) for k, v in types.items()}


def _type(key: str, raw: Any, source: str) -> ProjectType:
    where = f"{source} 项目类型「{key}」"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("steps"), list) or not raw["steps"]:
        raise ValidationFailed(f"{where}：应有 label 和 steps（环节列表）。")
    steps: list[StepTemplate] = []
    for n, item in enumerate(raw["steps"], start=1):
        steps.append(_step(item, steps, f"{where} 第 {n} 个环节"))
    missing = [k for k in REQUIRED_KEYS if k not in {s.key for s in steps}]
    if missing:
        raise ValidationFailed(
            f"{where}：缺少环节 {'、'.join(missing)}（签约、开工、投产必须有）。")
    if steps[0].key != "sign":
        raise ValidationFailed(f"{where}：第一个环节应为签约（sign）。")
    return ProjectType(key, str(raw.get("label") or key), tuple(steps))


def _step(item: Any, before: list[StepTemplate], where: str) -> StepTemplate:
    if not isinstance(item, Mapping):
        raise ValidationFailed(f"{where}：应为 {{key, name, department, workdays}}。")
    key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
    department = str(item.get("department") or "").strip()
    if not key or not name or not department:
        raise ValidationFailed(f"{where}：key、name、department 都必须填写。")
    if any(s.key == key for s in before):
        raise ValidationFailed(f"{where}：key「{key}」重复。")
    workdays = item.get("workdays")
    if not isinstance(workdays, int) or isinstance(workdays, bool) \
            or not 0 <= workdays <= MAX_WORKDAYS:
        raise ValidationFailed(f"{where}（{name}）：workdays 应为 0 到 {MAX_WORKDAYS} 的整数。")
    kind = str(item.get("kind") or "milestone")
    if kind not in KINDS:
        raise ValidationFailed(f"{where}（{name}）：kind 应为 milestone 或 utility。")
    after = _after(item.get("after"), before, f"{where}（{name}）")
    return StepTemplate(key, name, department, workdays, after, kind)


def _after(raw: Any, before: list[StepTemplate], where: str) -> tuple[str, ...]:
    if raw is None:
        return (before[-1].key,) if before else ()
    keys = [raw] if isinstance(raw, str) else raw
    if not isinstance(keys, list):
        raise ValidationFailed(f"{where}：after 应为前序环节的 key 或其列表。")
    known = {s.key for s in before}
    unknown = [str(k) for k in keys if k not in known]
    if unknown:
        raise ValidationFailed(f"{where}：after 中的「{'、'.join(unknown)}」不是排在它前面的环节。")
    return tuple(str(k) for k in keys)
