"""The audit log in words a reader knows: actions, objects and fields in Chinese, values as
是/否 and status names, and a link to the object. Codes stay in the database and the API; the page
and the export show these labels (an unknown code gets a generic label, never the raw code)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl

from huiqi.appeals import service as vocab
from huiqi.grants.service import Action as GRANT_ACTIONS
from huiqi.grants.service import Status as GRANT_STATUSES
from huiqi.models.user import ROLE_LABELS
from huiqi.registry.service import load_catalog
from huiqi.supervision.service import FIELD_LABELS as SUPERVISION_FIELDS
from huiqi.supervision.service import VALUE_LABELS as SUPERVISION_VALUES

DOMAINS = {
    "insights": "数据与指标",
    "auth": "账号", "user": "账号", "department": "部门", "appeal": "诉求", "appeals": "诉求",
    "grant": "申报", "grants": "申报", "policy": "政策", "matching": "政策匹配",
    "audit": "审计", "registry": "企业库", "enterprise": "企业", "notify": "通知",
    "liaison": "包联",
    "knowledge": "政策知识库",
    "rating": "好差评", "ratings": "好差评",
    "project": "招商项目", "projects": "招商项目",
    "supervision": "双随机抽查",
}

_NAMED_ACTIONS = {
    "insights.report_generate": "生成周报", "insights.indicator_enter": "填报监测指标",
    "insights.indicator_import": "导入指标目录",
    "auth.login": "登录", "auth.login_failed": "登录失败", "auth.logout": "退出登录",
    "auth.login_refused_locked": "登录被拒（账号锁定）", "auth.lockout": "账号锁定",
    "auth.password_change": "修改密码", "auth.password_reset": "重置密码",
    "auth.token_create": "创建访问令牌", "auth.token_revoke": "吊销访问令牌",
    "user.create": "新建账号", "user.activate": "启用账号", "user.deactivate": "停用账号",
    "user.unlock": "解除锁定", "department.create": "新建部门",
    "audit.export": "导出审计日志",
    "pii.reveal": "查看完整号码", "security.rotate_key": "轮换个人信息加密密钥",
    "security.anonymise": "超期个人信息匿名化",
    "policy.upload": "上传政策文件", "policy.publish": "发布政策", "policy.withdraw": "撤回政策",
    "matching.facts_supply": "补充申报信息",
    "insights.push": "政策精准推送", "insights.visit": "生成走访任务",
    "insights.facts": "请企业补充信息", "insights.facts_answer": "企业按请求补充信息",
    "appeal.attachment_add": "上传诉求附件", "appeal.category_create": "新建诉求分类",
    "appeal.category_update": "修改诉求分类", "appeal.holiday_override_set": "设置节假日调整",
    "appeal.holiday_override_remove": "删除节假日调整", "appeal.hotline_import": "导入热线工单",
    "appeal.liaison_assign": "分配包联企业", "appeal.liaison_unassign": "取消包联",
    "appeal.meeting_record": "记录政企恳谈会", "appeal.merge": "合并诉求",
    "appeal.sentinel_add": "设立营商前哨", "appeal.sentinel_remove": "取消营商前哨",
    "appeal.submit": "提交诉求", "appeal.sign_overdue": "签收超时",
    "appeal.resolve_overdue": "办理超时", "appeals.tick": "诉求到期检查",
    "grant.approve": "审核通过", "grant.reject": "驳回", "grants.application_submit": "提交申报",
    "grants.application_withdraw": "撤回申报", "grants.application_supply": "补齐容缺材料",
    "grants.application_lapse": "申报逾期失效", "grants.application_pay": "兑现",
    "grants.application_remind": "提醒补齐材料", "grants.material_upload": "上传申报材料",
    "grants.material_supplied": "补交容缺材料", "grants.auto_list_generate": "生成免申即享名单",
    "grants.budget_set": "设置预算", "grants.evaluation_create": "绩效评价",
    "grants.grant_create": "生成资金记录", "grants.payout_create": "新建兑付批次",
    "grants.payout_export": "导出兑付清单", "grants.payout_paid": "标记已兑付",
    "grants.payout_cancel": "作废兑付批次", "grants.tick": "申报到期检查",
    "registry.profile_edit": "修改企业信息", "registry.profile_propose": "申请变更企业信息",
    "registry.profile_accept": "通过企业信息变更", "registry.profile_reject": "驳回企业信息变更",
    "liaison.tier_save": "保存包联层级", "liaison.assign": "分配包联企业",
    "liaison.handover": "包联交接", "liaison.unassign": "取消包联",
    "liaison.import": "导入包联名单", "liaison.contact_log": "记录走访联系",
    "liaison.plan_create": "制定走访计划", "liaison.settings_save": "设置无事不扰",
    "liaison.campaign_create": "新建集中攻坚行动", "liaison.photo_add": "上传走访照片",
    "knowledge.ingest": "导入政策原文", "knowledge.supersede": "政策原文被新版本替代",
    "knowledge.draft": "据条款起草政策规则",
    "rating.create": "评价办件", "rating.verify": "差评核实", "rating.rectify": "差评整改",
    "rating.revisit": "差评回访", "rating.dispute": "误评申诉", "rating.dispute_decide": "申诉复核",
    "rating.invite": "生成短信评价链接", "rating.sms_queued": "评价短信已排队发送",
    "rating.window_create": "新增评价窗口",
    "rating.window_rotate": "更换窗口二维码", "ratings-feed": "诉求回访转评价",
    "rating.overdue": "差评处置超期", "rating.import": "导入评价", "ratings.tick": "好差评到期检查",
    "project.create": "登记招商项目", "project.assign": "指派项目代办员/牵头领导",
    "project.import": "导入招商项目", "project.step_record": "登记项目环节日期",
    "project.step_block": "项目环节受阻（提出诉求）", "project.step_unblock": "解除项目环节受阻",
    "project.step_escalate": "项目环节超期升级牵头领导", "project.step_adjust": "调整项目环节",
    "project.progress": "填写项目周进度", "projects.tick": "项目倒计时检查",
    # supervision (双随机一公开)
    "supervision.settings_update": "设置企业安静期与受检上限",
    "supervision.item_add": "添加抽查事项", "supervision.item_import": "导入抽查事项清单",
    "supervision.officer_add": "添加执法人员", "supervision.officer_import": "导入执法人员名录",
    "supervision.officer_certificate": "更新执法证有效期",
    "supervision.exemption_add": "添加包容免罚事项",
    "supervision.exemption_import": "导入包容免罚清单",
    "supervision.grade_import": "导入信用等级", "supervision.grade_repair": "信用修复",
    "supervision.grace_add": "登记包容期", "supervision.plan_create": "新建抽查计划",
    "supervision.plan_commit": "公布抽取承诺", "supervision.beacon_first": "录入公开随机数",
    "supervision.beacon_mismatch": "公开随机数复核不一致", "supervision.plan_draw": "随机抽取",
    "supervision.inspection_record": "记录检查结果",
    "supervision.inspection_reschedule": "调整检查日期",
    "supervision.inspection_publish": "公示检查结果", "supervision.attachment_add": "上传检查附件",
    "supervision.rectify_done": "整改复查",
    "supervision.item_update": "修改抽查事项", "supervision.item_delete": "删除抽查事项",
    "supervision.item_deactivate": "停用抽查事项", "supervision.item_restore": "启用抽查事项",
    "supervision.officer_update": "修改执法人员", "supervision.officer_delete": "删除执法人员",
    "supervision.officer_deactivate": "停用执法人员",
    "supervision.officer_restore": "启用执法人员",
    "supervision.exemption_update": "修改包容免罚事项",
    "supervision.exemption_delete": "删除包容免罚事项",
    "supervision.exemption_deactivate": "停用包容免罚事项",
    "supervision.exemption_restore": "启用包容免罚事项",
}
# Every appeal and application action has a label; a named one above wins over the generated.
ACTIONS: Mapping[str, str] = {
    **{f"appeal.{a.value}": f"诉求{a.label}" for a in vocab.AppealAction},
    **{f"grants.application_{g.value}": f"申报{g.label}" for g in GRANT_ACTIONS},
    **_NAMED_ACTIONS,
}

SUBJECTS = {
    "weekly_report": "周报", "indicator": "监测指标", "indicator_catalog": "指标目录",
    "users": "账号", "user": "账号", "departments": "部门", "department": "部门",
    "appeals": "诉求", "appeal": "诉求", "appeal_categories": "诉求分类",
    "holiday_overrides": "节假日调整", "appeal_meetings": "政企恳谈会",
    "appeal_import_batches": "热线导入批次", "appeal_sentinels": "营商前哨",
    "liaison_assignments": "包联关系", "grant_applications": "申报", "grants": "资金记录",
    "profile_proposal": "企业信息变更申请", "liaison_contact": "走访联系",
    "liaison_tier": "包联层级", "liaison_campaign": "集中攻坚行动",
    "grant_auto_lists": "免申即享名单", "grant_budget_accounts": "预算",
    "grant_payout_batches": "兑付批次", "grant_materials": "申报材料",
    "grant_evaluations": "绩效评价", "policy_documents": "政策文件", "policy_versions": "政策版本",
    "enterprise": "企业", "enterprises": "企业", "api_tokens": "访问令牌",
    "notifications": "通知", "audit_log": "审计日志",
    "knowledge_documents": "政策原文", "knowledge_document": "政策原文",
    "ratings": "评价", "rating_windows": "评价窗口", "rating_disputes": "误评申诉",
    "rating_invites": "短信评价邀请",
    "projects": "招商项目", "project_steps": "项目环节", "project_progress": "项目周进度",
    "project_import": "项目导入文件",
    "sv_plans": "抽查计划", "sv_inspections": "抽查检查", "sv_items": "抽查事项",
    "sv_officers": "执法人员", "sv_exemptions": "包容免罚事项", "sv_grades": "信用记录",
    "sv_grace_periods": "包容期", "sv_settings": "安静期设置",
    "policy_item": "政策事项",
}
LINKS = {
    "weekly_report": "/insights/reports/{id}", "indicator": "/insights/indicators/{id}",
    "appeals": "/appeals/{id}", "appeal": "/appeals/{id}",
    "grant_applications": "/grants/applications/{id}",
    "grant_payout_batches": "/grants/payouts/{id}",
    "grant_auto_lists": "/grants/auto-lists/{id}", "policy_documents": "/policies/{id}",
    "grants": "/grants/grants/{id}",
    "knowledge_documents": "/knowledge/documents/{id}",
    "knowledge_document": "/knowledge/documents/{id}",
    "ratings": "/ratings/{id}",
    "projects": "/projects/{id}",
    "sv_plans": "/supervision/plans/{id}", "sv_inspections": "/supervision/inspections/{id}",
}
# The action filter: a domain (code prefix) or one action.
GROUPS = [("auth.", "登录与账号安全"), ("user.", "账号管理"), ("department.", "部门管理"),
          ("insights.", "数据与指标"),
          ("policy.", "政策"), ("grant", "申报与兑现"), ("appeal", "诉求"),
          ("matching.", "政策匹配"), ("audit.", "审计"), ("knowledge.", "政策知识库"),
          ("rating", "好差评"), ("project", "招商项目"), ("supervision.", "双随机抽查"),
          ("pii.", "个人信息"), ("security.", "安全管理")]

FIELDS = {
    **SUPERVISION_FIELDS,
    "active": "启用", "is_active": "启用", "category": "分类", "code": "代码",
    "department_id": "部门", "description": "说明", "display_name": "姓名",
    "period": "月份", "value": "数值", "inserted": "新增", "updated": "更新", "errors": "问题行数",
    "start": "起始日期", "end": "截止日期", "kind": "类型",
    "enterprise_uscc": "统一社会信用代码", "escalated_to": "升级至", "extension_count": "延期次数",
    "filename": "文件名", "force_closed": "强制办结", "item_ids": "政策事项",
    "lead_department": "牵头部门", "merged_into_id": "并入诉求", "name": "名称", "note": "备注",
    "number": "编号", "policy_id": "政策", "reopen_count": "重办次数", "resolve_due": "办结期限",
    "resolve_overdue": "办理超时", "resolve_within_workdays": "办结时限（工作日）",
    "return_count": "退回次数", "role": "角色", "satisfaction": "满意度", "sha256": "文件校验值",
    "sign_due": "签收期限", "sign_overdue": "签收超时",
    "sign_within_workdays": "签收时限（工作日）",
    "source": "来源", "status": "状态", "superseded": "已被替代", "username": "用户名",
    "usual_departments": "常办部门", "approved_amount": "批准金额", "proposed_amount": "拟批金额",
    "missing_materials": "待补材料", "materials_due": "补齐期限", "decision_reason": "决定理由",
    "amount_reason": "调减理由", "amount": "金额", "reason": "理由", "due": "期限",
    "missing": "待补材料", "filters": "筛选条件", "user_agent": "浏览器",
    "bank_reference": "银行流水号",
    "year": "年度", "per_year": "年度预算", "item_id": "政策事项", "count": "数量",
    "total": "合计", "version": "版本", "title": "标题", "score": "评分", "days": "有效天数",
    "failed_logins": "连续登录失败次数", "locked_until": "锁定至", "ip": "来源 IP",
    "path": "页面", "query": "查询条件", "file": "文件", "method": "请求方式",
    "message": "提示",
    "clauses": "条款", "rules": "写成规则的项数", "todos": "待决定的项数",
    "hash": "内容校验值", "superseded_by": "替代它的新版本", "doc_no": "文号",
    "issuer": "发文单位",
    "case_key": "办件", "case": "办件", "level": "评价等级", "channel": "渠道",
    "department_name": "部门", "stage": "处置阶段", "verify_due": "核实期限",
    "verify_result": "核实结论", "verify_note": "核实情况", "rectify_due": "整改期限",
    "rectify_note": "整改措施", "revisit_due": "回访期限", "revisit_result": "回访结果",
    "revisit_note": "回访情况", "excluded": "已剔除", "excluded_reason": "剔除理由",
    "decision_note": "复核意见", "rating_id": "评价", "rating": "评价", "qr_version": "二维码版本",
    "items": "办理事项", "staff": "工作人员", "place": "位置", "region": "行政区划",
    "started_on": "开始日期", "done_on": "完成日期", "planned_due": "计划完成",
    "blocked_reason": "受阻原因", "appeal_id": "诉求编号", "limit_workdays": "时限（工作日）",
    "project_id": "项目", "agent_id": "代办员",
    "secretary_id": "项目秘书", "lead_id": "牵头领导", "signed_on": "签约日期",
    "land_mu": "用地（亩）", "project_type": "项目类型", "week": "周",
    "field": "字段",
    "segment": "分组", "street": "街道（镇）", "industry": "行业门类", "size": "企业规模",
    "liaison": "包联干部", "selected": "选中企业", "created": "新建",
    "skipped": "此前已做（未重复）", "notified": "已通知账号", "via": "方式",
    "as_of": "测算日期", "take_up": "预计申报率", "threshold": "门槛",
    "against": "对比版本",
    "plans": "新建走访计划", "unassigned": "无包联干部（未生成）", "planned_on": "计划走访日期",
    "official": "包联干部", "tier": "包联层级",
}

VALUES: dict[str, str] = {**SUPERVISION_VALUES,
                          **{s.value: s.label for s in vocab.AppealStatus},
                          **{s.value: s.label for s in vocab.Source},
                          **{s.value: s.label for s in GRANT_STATUSES},
                          **{r.value: label for r, label in ROLE_LABELS.items()},
                          "draft": "草稿", "published": "已发布", "withdrawn": "已撤回",
                          "lead_department": "牵头部门", "co_department": "协办部门",
                          "system": "系统",
                          "appeal_visit": "诉求回访", "founded": "属实", "partly": "部分属实",
                          "unfounded": "不属实", "verify": "待核实", "rectify": "待整改",
                          "revisit": "待回访",
                          "eligible": "可享受", "unknown": "待补充信息", "near": "差一项条件",
                          "applied": "已申报/已兑现", "push": "推送通知", "visit": "走访任务",
                          "facts": "请企业补充信息"}


def actor_name(username: str | None, role: str | None) -> str:
    """A person's username; a system job ("appeals.tick", "demo-up") as what it does."""
    if role != "system":
        return username or "—"
    return ACTIONS.get(username or "", "系统任务")


def action_label(code: str) -> str:
    if code in ACTIONS:
        return ACTIONS[code]
    domain = code.split(".", 1)[0]
    return f"{DOMAINS.get(domain, '其他')}操作"


def subject_label(kind: str | None) -> str:
    return SUBJECTS.get(kind or "", "其他对象") if kind else "—"


def subject_link(kind: str | None, subject_id: str | None) -> str | None:
    pattern = LINKS.get(kind or "")
    return pattern.format(id=subject_id) if pattern and subject_id else None


def field_label(name: str) -> str:
    if name in FIELDS:
        return FIELDS[name]
    catalog = load_catalog()
    return catalog[name].label if name in catalog.names() else "其他信息"


def value_text(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(value_text(v) for v in value) or "—"
    if isinstance(value, Mapping):
        return "；".join(f"{field_label(str(k))}：{value_text(v)}" for k, v in value.items())
    text = str(value)
    if text in VALUES:
        return VALUES[text]
    names = load_catalog().names()  # fields, one or joined by ";" (a targeting group's facts)
    parts = text.split(";")
    if all(p in names for p in parts):
        return "、".join(field_label(p) for p in parts)
    return text


def changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """Field by field: (label, before, after), only the fields that changed (all of `after`
    for a creation). A non-mapping side is shown whole, as one "内容" row."""
    if not isinstance(before, Mapping) and not isinstance(after, Mapping):
        if before is None and after is None:
            return []
        return [("内容", value_text(before), value_text(after))]
    b = before if isinstance(before, Mapping) else {}
    a = after if isinstance(after, Mapping) else {}
    rows = []
    for key in [*b, *(k for k in a if k not in b)]:
        old, new = b.get(key), a.get(key)
        if key in b and key in a and old == new:
            continue
        rows.append((field_label(str(key)), _shown(key, old) if key in b else "",
                     _shown(key, new) if key in a else ""))
    return rows


def _shown(key: Any, value: Any) -> str:
    """A recorded query string reads as its filters (状态：待补材料), not as URL text."""
    if key == "query" and isinstance(value, str):
        return value_text(dict(parse_qsl(value))) if value else "—"
    return value_text(value)
