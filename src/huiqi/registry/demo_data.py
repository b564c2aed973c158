"""Vocabulary of the demo generator: districts, shop names and enterprise archetypes.

An archetype is an industry class (GB/T 4754-2017) with a legal form, name suffixes, a median
headcount, revenue per head (元) and assets/revenue ratio, and a weight per district. Weights
follow the seeds: 江北 is services-heavy (商圈、楼宇), 九龙坡 and 巴南 carry Chongqing's auto and
motorcycle supply chain, 东宝 its industrial park (new-energy batteries, semiconductors, chemicals),
青原 agriculture and light industry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

JB, BN, JLP, DB, QY = "500105", "500113", "500107", "420802", "360803"

# code → (name prefix, share of the demo population)
REGIONS: dict[str, tuple[str, float]] = {
    JB: ("重庆市江北区", 0.25),
    BN: ("重庆市巴南区", 0.20),
    JLP: ("重庆市九龙坡区", 0.30),
    DB: ("荆门市东宝区", 0.15),
    QY: ("吉安市青原区", 0.10),
}

BRANDS = (
    "满益", "鑫源", "华通", "宏达", "金诚", "瑞丰", "盛和", "恒信", "聚福", "佳美", "天成", "永盛",
    "和信", "众诚", "德润", "嘉禾", "兴旺", "万家", "锦程", "汇通", "新航", "立信", "博远", "康达",
    "长青", "宝正", "协进", "楚华", "渝丰", "巴渝", "山城", "嘉陵", "江韵", "朝天", "龙凤", "东好",
    "青云", "井冈", "庐陵", "赣江", "荆楚", "漳河", "象山", "石马", "观音", "鱼洞", "杨家", "华岩",
    "启航", "凯瑞", "智联", "云帆", "创新", "精工", "恒力", "诚达", "润泽", "福源", "祥和", "顺通",
)
SURNAMES = ("张", "王", "李", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "胡",
            "朱", "郭", "何", "罗", "高", "林", "谭", "冉", "彭", "邓")


@dataclass(frozen=True)
class Archetype:
    industry_code: str
    legal_form: str
    suffixes: tuple[str, ...]
    employees: float  # median headcount
    revenue_per_head: float  # 元 per employee per year
    assets_ratio: float  # total assets / revenue
    weights: dict[str, float] = field(default_factory=dict)  # district → weight; "*" default


def _a(code: str, form: str, suffixes: tuple[str, ...], emp: float, rev: float, assets: float,
       **weights: float) -> Archetype:
    by_code = {{"JB": JB, "BN": BN, "JLP": JLP, "DB": DB, "QY": QY}.get(k, k): v
               for k, v in weights.items()}
    return Archetype(code, form, suffixes, emp, rev, assets, by_code)


ENT, IND, COOP = "enterprise", "individual", "farmer_coop"
ARCHETYPES: tuple[Archetype, ...] = (
    # 制造业
    _a("C3841", ENT, ("新能源科技有限公司", "锂电科技有限公司"), 180, 1.2e6, 1.3,
       DB=6, JLP=1, BN=1, JB=0.2, QY=1),
    _a("C3972", ENT, ("半导体科技有限公司", "微电子有限公司"), 120, 1.0e6, 1.5, DB=3, JLP=1,
       **{"*": 0.2}),
    _a("C3670", ENT, ("汽车零部件有限公司", "汽车配件制造有限公司"), 90, 8.0e5, 1.0,
       JLP=7, BN=5, DB=1, QY=0.5, JB=0.5),
    _a("C3751", ENT, ("摩托车制造有限公司", "机车有限公司"), 150, 7.0e5, 0.9, JLP=2, BN=2,
       **{"*": 0}),
    _a("C3484", ENT, ("机械制造有限公司", "精密机械有限公司"), 40, 5.0e5, 1.0,
       JLP=5, BN=4, DB=4, QY=2, JB=0.5),
    _a("C3399", ENT, ("金属制品有限公司", "五金制品厂"), 30, 4.5e5, 0.9, JLP=3, BN=3, DB=3, QY=2,
       JB=0.3),
    _a("C2929", ENT, ("塑料制品有限公司", "包装材料有限公司"), 35, 4.0e5, 0.9, DB=3, JLP=2,
       BN=2, QY=2, JB=0.3),
    _a("C2614", ENT, ("化工有限公司", "精细化工有限公司"), 110, 1.5e6, 1.4, DB=4, QY=1,
       **{"*": 0.3}),
    _a("C2625", ENT, ("生物肥业有限公司",), 25, 6.0e5, 1.0, DB=2, QY=2, **{"*": 0.2}),
    _a("C3021", ENT, ("建材有限公司", "新型建材有限公司"), 45, 5.0e5, 1.2, DB=3, BN=2, QY=2,
       JLP=1, JB=0.2),
    _a("C1353", ENT, ("食品有限公司", "肉制品有限公司"), 50, 6.0e5, 0.8, QY=3, DB=2, BN=2, JLP=1,
       JB=0.5),
    _a("C1462", ENT, ("火锅底料有限公司", "调味品有限公司"), 40, 5.0e5, 0.8, BN=2, JLP=2, JB=1,
       **{"*": 0.3}),
    _a("C2110", ENT, ("家具有限公司", "木业有限公司"), 30, 3.5e5, 0.9, QY=2, BN=1, DB=1,
       **{"*": 0.3}),
    _a("C3982", ENT, ("电子科技有限公司", "电路科技有限公司"), 80, 6.0e5, 1.1, JLP=2, DB=2,
       QY=1, BN=1, JB=0.5),
    # 农业
    _a("A0141", COOP, ("蔬菜种植专业合作社", "果蔬专业合作社"), 8, 1.5e5, 1.5, QY=4, DB=3, BN=2,
       JLP=0.3, JB=0.1),
    _a("A0313", ENT, ("生猪养殖有限公司", "生态养殖场"), 12, 4.0e5, 1.5, DB=3, QY=3, BN=1,
       **{"*": 0.1}),
    _a("A0164", ENT, ("茶业有限公司", "生态茶园有限公司"), 15, 2.0e5, 1.5, QY=3, BN=0.5,
       **{"*": 0.1}),
    _a("A0153", IND, ("柑橘家庭农场", "果园"), 4, 1.0e5, 1.5, QY=2, BN=1, DB=1, **{"*": 0.2}),
    # 建筑业
    _a("E4710", ENT, ("建筑工程有限公司", "建设工程有限公司"), 60, 8.0e5, 1.1, **{"*": 3}),
    _a("E5012", ENT, ("装饰工程有限公司", "装饰设计工程有限公司"), 12, 4.0e5, 0.5, JB=4,
       **{"*": 2}),
    # 批发和零售业
    _a("F5174", IND, ("五金经营部", "五金建材店"), 3, 4.0e5, 0.4, **{"*": 3}),
    _a("F5179", ENT, ("商贸有限公司", "贸易有限公司"), 8, 2.0e6, 0.4, JB=5, **{"*": 3}),
    _a("F5212", ENT, ("超市有限公司", "购物广场"), 25, 6.0e5, 0.5, JB=3, **{"*": 2}),
    _a("F5213", IND, ("便利店", "副食店"), 2, 3.0e5, 0.4, JB=5, **{"*": 4}),
    _a("F5232", IND, ("服装店", "服饰店"), 2, 2.5e5, 0.4, JB=6, **{"*": 3}),
    _a("F5292", ENT, ("电子商务有限公司", "电商有限公司"), 10, 1.2e6, 0.4, DB=3, JB=3, QY=2,
       **{"*": 2}),
    # 交通运输、仓储和邮政业
    _a("G5437", ENT, ("物流有限公司", "供应链有限公司"), 20, 5.0e5, 0.7, BN=4, JLP=3, **{"*": 2}),
    _a("G5920", ENT, ("仓储有限公司",), 15, 4.0e5, 1.2, BN=2, **{"*": 1}),
    # 住宿和餐饮业
    _a("H6210", IND, ("火锅馆", "火锅店", "餐馆", "酒楼"), 8, 1.5e5, 0.3, JB=10, JLP=6, BN=5,
       DB=4, QY=3),
    _a("H6291", IND, ("面馆", "小面馆", "小吃店"), 3, 1.0e5, 0.3, JB=6, **{"*": 4}),
    _a("H6110", ENT, ("酒店有限公司", "大酒店"), 40, 2.0e5, 2.0, JB=2, **{"*": 1}),
    # 信息传输、软件和信息技术服务业
    _a("I6513", ENT, ("网络科技有限公司", "软件有限公司", "信息技术有限公司"), 15, 4.0e5, 0.6,
       JB=6, JLP=3, **{"*": 1}),
    _a("I6531", ENT, ("智能科技有限公司", "数据科技有限公司"), 20, 5.0e5, 0.7, JB=3, **{"*": 1}),
    # 房地产、租赁和商务服务
    _a("K7010", ENT, ("置业有限公司", "房地产开发有限公司"), 30, 2.0e6, 3.0, **{"*": 1}),
    _a("K7020", ENT, ("物业管理有限公司", "物业服务有限公司"), 60, 1.0e5, 0.5, JB=3, **{"*": 1.5}),
    _a("L7241", ENT, ("财务咨询有限公司", "会计服务有限公司"), 6, 2.0e5, 0.4, JB=4, **{"*": 2}),
    _a("L7299", ENT, ("商务信息咨询有限公司", "企业管理咨询有限公司"), 5, 2.5e5, 0.6, JB=5,
       **{"*": 2}),
    # 科研、居民服务、教育
    _a("M7320", ENT, ("科技研究院有限公司", "技术研究有限公司"), 25, 4.0e5, 1.0, JB=1, DB=1,
       **{"*": 0.5}),
    _a("O8040", IND, ("美容美发店", "理发店"), 3, 1.0e5, 0.3, JB=4, **{"*": 3}),
    _a("O8111", IND, ("汽车维修中心", "汽修厂"), 5, 2.0e5, 0.6, **{"*": 2}),
    _a("P8393", ENT, ("艺术培训学校有限公司", "文化艺术培训中心"), 10, 1.2e5, 0.5, JB=2,
       **{"*": 1}),
)

__all__ = ["ARCHETYPES", "BRANDS", "REGIONS", "SURNAMES", "Archetype"]
