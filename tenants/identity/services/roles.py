from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission
from django.db import connection

from tenants.identity.roles import EXCLUDED, PERMISSIONS, Role


def _matches(permission: Permission, patterns: set[tuple[str, str]]) -> bool:
    return any(
        fnmatch(permission.content_type.app_label, app) and fnmatch(permission.codename, code)
        for app, code in patterns
    )


def role_groups_sync() -> None:
    """Create one group per role in the current schema and give it the role's permissions."""
    if "auth_group" not in connection.introspection.table_names():
        return
    permissions = list(Permission.objects.select_related("content_type"))
    for role, patterns in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        excluded = EXCLUDED.get(role, set())
        group.permissions.set(
            [p for p in permissions if _matches(p, patterns) and not _matches(p, excluded)]
        )


def user_role_apply(*, user, role: Role) -> None:
    """Put the user in exactly the group of their role."""
    user.groups.set(Group.objects.filter(name=role.value))
