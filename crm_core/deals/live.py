"""What a deal's change pushes: its pipeline's board (to the groups that mirror `visible_to`:
all / team / own), its page, its contact's timeline; and which board groups a user joins."""

from __future__ import annotations

import uuid

from crm_core.common.live import actor_named, record_group, timeline_changed
from crm_core.common.visibility import visibility_scope
from crm_core.deals.models import Deal
from tenants.identity.models import User
from tenants.identity.roles import Visibility
from tenants.realtime import broadcast_after_commit, group_name


def deal_board_groups_for(user: User, pipeline_id: int) -> list[str]:
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return [group_name("deal-board", pipeline_id, "all")]
    groups = [group_name("deal-board", pipeline_id, "owner", user.pk)]
    if scope == Visibility.TEAM and user.team_id:
        groups.append(group_name("deal-board", pipeline_id, "team", user.team_id))
    return groups


def _deal_board_groups(pipeline_id: int, owner_id: int | None, team_id: int | None) -> list[str]:
    groups = [group_name("deal-board", pipeline_id, "all")]
    if owner_id:
        groups.append(group_name("deal-board", pipeline_id, "owner", owner_id))
    if team_id:
        groups.append(group_name("deal-board", pipeline_id, "team", team_id))
    return groups


def deal_changed(deal: Deal, *, before: tuple[int | None, int | None] | None = None) -> None:
    """A deal was created, edited or moved: its board columns, its card, its contact's
    timeline. `before` is its (owner, team) when a reassignment took it from them."""
    actor = actor_named()
    groups = _deal_board_groups(deal.pipeline_id, deal.owner_id, deal.team_id)
    if before is not None:
        groups += _deal_board_groups(deal.pipeline_id, *before)
    broadcast_after_commit(
        groups,
        {
            "type": "deal.changed",
            "id": uuid.uuid4().hex,
            "deal": deal.pk,
            "stage": deal.stage_id,
            **actor,
        },
    )
    broadcast_after_commit(
        [record_group("deal", deal.pk)], {"type": "record.changed", "part": "record", **actor}
    )
    timeline_changed(
        contact_id=deal.contact_id,
        company_id=deal.company_id,
        actor=actor,
        seen_by=(deal.owner_id, deal.team_id),
    )


def deal_boards_changed(shown_by: set[tuple[int, int | None, int | None]]) -> None:
    """Deals changed in bulk: each board that shows them, told once; `shown_by` holds each
    deal's (pipeline, owner, team)."""
    groups = sorted({group for combo in shown_by for group in _deal_board_groups(*combo)})
    broadcast_after_commit(
        groups, {"type": "deal.changed", "id": uuid.uuid4().hex, "deal": None, **actor_named()}
    )
