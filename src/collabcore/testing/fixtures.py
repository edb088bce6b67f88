"""The first pytest fixtures for hosts' own tests, kept for the suites that use them.
New suites need nothing: collabcore's plugin (:mod:`collabcore.testing.plugin`) is
loaded by pytest itself and gives ``collabcore_world`` and the rest. These are
enabled in a conftest.py with

    pytest_plugins = ["collabcore.testing.fixtures"]

- ``collab_world``: a fresh :class:`~collabcore.testing.World` on a memory store.
- ``collab_service``: its service, with an office and a customer registered.
- ``scenario_factory``: :func:`collabcore.explore.scenario`, for one-line scenarios.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from collabcore.app.service import CollaborationService
from collabcore.testing.world import World
from collabcore.tools.explore import Scenario, scenario


@pytest.fixture
def collab_world() -> World:
    return World()


@pytest.fixture
def collab_service(collab_world: World) -> CollaborationService:
    collab_world.office()
    collab_world.customer()
    return collab_world.service


@pytest.fixture
def scenario_factory() -> Callable[..., Scenario]:
    def make(**options: Any) -> Scenario:
        return scenario(**options)

    return make
