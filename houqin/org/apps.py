from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrgConfig(AppConfig):
    name = "houqin.org"
    label = "org"
    verbose_name = _("组织与场所")

    def ready(self) -> None:
        from houqin.core import registry

        from . import providers

        registry.register_todo(providers.todo_rooms_without_custodian)
        registry.register_todo(providers.todo_classes_without_head_teacher)
        places, people = _("场所"), _("组织")
        registry.register_nav(
            registry.NavItem(
                places,
                pgettext_lazy("list title", "位置"),
                "org:location_list",
                "org.view_location",
                "geo-alt",
                20,
            ),
            registry.NavItem(
                places, pgettext_lazy("list title", "校区"), "org:campus_list", "org.view_campus", "map", 21
            ),
            registry.NavItem(people, _("教职工"), "org:membership_list", "org.view_membership", "people", 30),
            registry.NavItem(
                people,
                pgettext_lazy("list title", "部门"),
                "org:department_list",
                "org.view_department",
                "diagram-3",
                31,
            ),
            registry.NavItem(
                people,
                pgettext_lazy("list title", "班级"),
                "org:schoolclass_list",
                "org.view_schoolclass",
                "mortarboard",
                32,
            ),
            registry.NavItem(people, _("角色与权限"), "org:role_list", "org.view_role", "shield-lock", 33),
        )
        registry.register_search(
            label=pgettext_lazy("list title", "位置"),
            provider=providers.search_locations,
            perm="org.view_location",
        )
        registry.register_search(
            label=pgettext_lazy("list title", "部门"),
            provider=providers.search_departments,
            perm="org.view_department",
        )
        registry.register_search(
            label=pgettext_lazy("list title", "班级"),
            provider=providers.search_classes,
            perm="org.view_schoolclass",
        )
        registry.register_search(
            label=_("教职工"), provider=providers.search_people, perm="org.view_membership"
        )
