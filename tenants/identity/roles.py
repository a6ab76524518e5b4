"""Roles: what each kind of user may do and which records they see.

A role is a Django group of the same name (kept in sync by `role_groups_sync`), plus a
visibility scope that list views, the API, exports and counts apply to records with an owner.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    SALES_HEAD = "sales_head", _("Head of sales")
    SALES_REP = "sales_rep", _("Sales representative")
    MARKETER = "marketer", _("Marketer")
    SUPPORT = "support", _("Support agent")
    CUSTOMER = "customer", _("Portal customer")


class Visibility(StrEnum):
    OWN = "own"
    TEAM = "team"
    ALL = "all"


STAFF_ROLES = frozenset(role for role in Role if role != Role.CUSTOMER)
INVITABLE_ROLES = [role for role in Role if role not in (Role.OWNER, Role.CUSTOMER)]

VISIBILITY = {
    Role.OWNER: Visibility.ALL,
    Role.ADMIN: Visibility.ALL,
    Role.SALES_HEAD: Visibility.TEAM,
    Role.SALES_REP: Visibility.OWN,
    Role.MARKETER: Visibility.ALL,
    Role.SUPPORT: Visibility.ALL,
    Role.CUSTOMER: Visibility.OWN,
}

# Permissions per role as (app_label, codename) patterns; "*" means every action on the model.
# Later apps extend this table with their models; the groups follow on the next migrate.
PERMISSIONS: dict[Role, set[tuple[str, str]]] = {
    Role.OWNER: {("*", "*")},
    Role.ADMIN: {
        ("identity", "*_user"),
        ("identity", "*_invitation"),
        ("identity", "*_team"),
        ("crm_core", "*"),
        ("portal", "*"),
    },
    Role.SALES_HEAD: {("identity", "view_user"), ("identity", "view_team"), ("crm_core", "*")},
    Role.SALES_REP: {
        ("identity", "view_user"),
        ("crm_core", "view_*"),
        ("crm_core", "add_*"),
        ("crm_core", "change_*"),
    },
    Role.MARKETER: {
        ("identity", "view_user"),
        ("crm_core", "view_*"),
        ("crm_core", "*_segment"),
        ("crm_core", "*_campaign"),
    },
    Role.SUPPORT: {
        ("identity", "view_user"),
        ("crm_core", "view_*"),
        ("crm_core", "*_ticket"),
        ("crm_core", "*_interaction"),
    },
    Role.CUSTOMER: set(),
}

# Configuration of the workspace, kept from roles whose patterns would otherwise include it.
CONFIGURATION = {
    ("crm_core", "*_segment"),
    ("crm_core", "*_lifecyclestage"),
    ("crm_core", "*_interactiontopic"),
    ("crm_core", "*_interactionoutcome"),
    # the catalogue: everyone sees it, owners and admins change it
    ("crm_core", "[acd]*_product"),
    ("crm_core", "[acd]*_pricelist"),
    ("crm_core", "[acd]*_price"),
}
EXCLUDED: dict[Role, set[tuple[str, str]]] = {
    Role.SALES_HEAD: CONFIGURATION,
    Role.SALES_REP: CONFIGURATION,
    Role.SUPPORT: CONFIGURATION,
    Role.MARKETER: CONFIGURATION - {("crm_core", "*_segment")},
}

# Who may manage the team (invite, change roles, deactivate).
TEAM_MANAGERS = frozenset({Role.OWNER, Role.ADMIN})
