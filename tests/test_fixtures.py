"""The fixtures collabcore ships for hosts, used here as a host would."""

from __future__ import annotations

from collections.abc import Callable

import collabcore as cc
from collabcore.explore import Scenario
from collabcore.testing import World

pytest_plugins = ["collabcore.testing.fixtures"]


def test_collab_service_is_ready(collab_service: cc.CollaborationService, collab_world: World) -> None:
    collab = collab_world.collaboration(cc.BOOKKEEPING)
    assert collab_service.plan_end(collab.id, actor=collab_world.office_admin(), outcome="deactivate").allowed


def test_scenario_factory(scenario_factory: Callable[..., Scenario]) -> None:
    plan = scenario_factory(product=cc.BOOKKEEPING, facts="bank integration on").plan(cc.Outcome.DEACTIVATE)
    assert [f.code for f in plan.blockers] == ["R17"]
