"""Demo asset cards for 示范小学 (``manage.py seed_demo``): a ledger to click through on ``make run``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from houqin.org.models import Department, Location

from . import services
from .models import Asset, AssetCategory

# (code, name, category code, spec, quantity, unit, unit price, acquired, location code, department,
#  custodian username, bookable)
CARDS = [
    (
        "ZC-2021-0001",
        "台式电脑",
        "301",
        "联想 启天 M450",
        45,
        "台",
        "4200.00",
        "2021-08-20",
        "XZ202",
        "教务处",
        "jiaoshi",
        False,
    ),
    (
        "ZC-2021-0002",
        "教师机",
        "301",
        "联想 启天 M450",
        1,
        "台",
        "4800.00",
        "2021-08-20",
        "XZ202",
        "教务处",
        "jiaoshi",
        False,
    ),
    (
        "ZC-2022-0001",
        "激光打印机",
        "302",
        "惠普 M404dn",
        2,
        "台",
        "1899.00",
        "2022-03-11",
        "XZ101",
        "总务处",
        "zongwu",
        False,
    ),
    (
        "ZC-2022-0002",
        "复印机",
        "302",
        "理光 MP 2555SP",
        1,
        "台",
        "16800.00",
        "2022-03-11",
        "XZ101",
        "总务处",
        "zongwu",
        False,
    ),
    (
        "ZC-2020-0001",
        "交互式一体机",
        "307",
        "希沃 86 英寸",
        12,
        "台",
        "12800.00",
        "2020-08-25",
        "JX101",
        "教务处",
        "banzhuren",
        False,
    ),
    (
        "ZC-2019-0001",
        "学生课桌椅",
        "601",
        "升降式 单人",
        540,
        "套",
        "320.00",
        "2019-08-15",
        "JX101",
        "教务处",
        "banzhuren",
        False,
    ),
    (
        "ZC-2019-0002",
        "讲台",
        "601",
        "钢木",
        12,
        "张",
        "850.00",
        "2019-08-15",
        "JX101",
        "教务处",
        "banzhuren",
        False,
    ),
    (
        "ZC-2018-0001",
        "办公桌椅",
        "602",
        "钢木组合",
        30,
        "套",
        "1200.00",
        "2018-07-01",
        "XZ101",
        "总务处",
        "zongwu",
        False,
    ),
    (
        "ZC-2023-0001",
        "数码相机",
        "307",
        "佳能 EOS R50",
        2,
        "台",
        "5699.00",
        "2023-04-06",
        "XZ101",
        "总务处",
        "zichan",
        True,
    ),
    (
        "ZC-2023-0002",
        "便携投影仪",
        "307",
        "爱普生 CB-X06",
        3,
        "台",
        "3299.00",
        "2023-04-06",
        "XZ101",
        "总务处",
        "zichan",
        True,
    ),
    (
        "ZC-2024-0001",
        "篮球",
        "305",
        "斯伯丁 7 号",
        20,
        "个",
        "189.00",
        "2024-03-01",
        "XZ103",
        "总务处",
        "cangguan",
        True,
    ),
    (
        "ZC-2024-0002",
        "分体空调",
        "306",
        "格力 1.5 匹",
        16,
        "台",
        "3100.00",
        "2024-06-18",
        "JX101",
        "总务处",
        "zongwu",
        False,
    ),
    (
        "ZC-2017-0001",
        "校车",
        "303",
        "宇通 ZK6609DX",
        1,
        "辆",
        "268000.00",
        "2017-09-01",
        None,
        "总务处",
        "zongwu",
        False,
    ),
    (
        "ZC-2016-0001",
        "图书",
        "5",
        "小学生课外读物",
        8600,
        "册",
        "25.00",
        "2016-09-01",
        "XZ201",
        "教务处",
        "jiaoshi",
        False,
    ),
    (
        "ZC-2022-0003",
        "物理实验器材",
        "304",
        "小学科学实验箱",
        24,
        "套",
        "980.00",
        "2022-09-05",
        "XZ202",
        "教务处",
        "jiaoshi",
        False,
    ),
    (
        "ZC-2025-0001",
        "会议室音响",
        "307",
        "雅马哈 STAGEPAS 400BT",
        1,
        "套",
        "6500.00",
        "2025-01-10",
        "XZ201",
        "校务办",
        "xiaowu",
        True,
    ),
]


@transaction.atomic
def load_demo(school) -> int:
    """Register the demo cards once; returns how many were created (0 when they exist)."""
    if Asset.objects.for_school(school).exists():
        return 0
    services.asset_categories_seed(school)
    categories = {c.code: c for c in AssetCategory.objects.for_school(school)}
    locations = {loc.code: loc for loc in Location.objects.for_school(school).exclude(code="")}
    departments = {d.name: d for d in Department.objects.for_school(school)}
    users = {u.username: u for u in get_user_model().objects.filter(username__in={c[10] for c in CARDS})}
    items = []
    for code, name, category, spec, qty, unit, price, acquired, place, dept, custodian, bookable in CARDS:
        if custodian not in users:
            continue
        items.append(
            {
                "code": code,
                "name": name,
                "category": categories[category],
                "spec_model": spec,
                "quantity": qty,
                "unit": unit,
                "unit_price": Decimal(price),
                "acquired_on": dt.date.fromisoformat(acquired),
                "location": locations.get(place),
                "department": departments.get(dept),
                "custodian": users[custodian],
                "is_bookable": bookable,
                "funding_source": "财政拨款",
            }
        )
    return len(services.asset_create_many(actor=None, school=school, items=items))
