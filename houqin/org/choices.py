from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolKind(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    TWELVE_YEAR = "twelve_year", _("十二年一贯制学校")
    VOCATIONAL = "vocational", _("职业学校")
    OTHER = "other", _("其他")


class LocationKind(models.TextChoices):
    BUILDING = "building", _("楼宇")
    FLOOR = "floor", _("楼层")
    ROOM = "room", _("房间")
    AREA = "area", _("室外区域")


# Which kind may stand under which (None = directly under the campus).
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    LocationKind.BUILDING: {None},
    LocationKind.AREA: {None, LocationKind.BUILDING},
    LocationKind.FLOOR: {LocationKind.BUILDING},
    LocationKind.ROOM: {LocationKind.BUILDING, LocationKind.FLOOR},
}


class RoomType(models.TextChoices):
    CLASSROOM = "classroom", _("普通教室")
    OFFICE = "office", _("办公室")
    FUNCTION_ROOM = "function_room", _("功能室")
    LAB = "lab", _("实验室")
    COMPUTER_ROOM = "computer_room", _("计算机室")
    LIBRARY = "library", _("图书室")
    CANTEEN = "canteen", _("食堂")
    WAREHOUSE = "warehouse", _("仓库")
    DORMITORY = "dormitory", _("宿舍")
    TOILET = "toilet", _("卫生间")
    MEETING_ROOM = "meeting_room", _("会议室")
    SPORTS = "sports", _("体育场馆")
    EQUIPMENT_ROOM = "equipment_room", _("设备间")
    GATEHOUSE = "gatehouse", _("门卫室")
    OUTDOOR = "outdoor", _("室外")
    OTHER = "other", _("其他")


class Grade(models.IntegerChoices):
    K_SMALL = -2, _("小班")
    K_MIDDLE = -1, _("中班")
    K_LARGE = 0, _("大班")
    G1 = 1, _("一年级")
    G2 = 2, _("二年级")
    G3 = 3, _("三年级")
    G4 = 4, _("四年级")
    G5 = 5, _("五年级")
    G6 = 6, _("六年级")
    G7 = 7, _("七年级")
    G8 = 8, _("八年级")
    G9 = 9, _("九年级")
    G10 = 10, _("高一")
    G11 = 11, _("高二")
    G12 = 12, _("高三")
