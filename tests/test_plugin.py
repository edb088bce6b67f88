"""The pytest plugin as a host meets it: installed, loaded by pytest through its entry
point, fixtures without an import, and the store contract on a store of the host's."""

from __future__ import annotations

import os

import pytest

HOST_TESTS = """
import collabcore as cc


def test_world_and_service(collabcore_world, collabcore_service, collabcore_fakes, collabcore_clock):
    collab = collabcore_world.collaboration(cc.EXPENSES)
    collabcore_fakes.set_facts("customer-1", unsubmitted_reports=2)
    plan = collabcore_service.plan_end(collab.id, actor=collabcore_world.office_admin(), outcome="delete")
    assert [f.code for f in plan.blockers] == ["R11"]
    assert collabcore_clock is collabcore_world.clock


def test_each_store(collabcore_store):
    world = cc.testing.World(collabcore_store)
    world.office()
    assert world.service.overview("office-1", actor=world.office_admin()).items == ()


def test_scenario(collabcore_scenario):
    assert [f.code for f in collabcore_scenario(facts="bank integration on", product=cc.BOOKKEEPING)
            .plan(cc.Outcome.DEACTIVATE).blockers] == ["R17"]
"""


def test_a_hosts_tests_get_the_fixtures_without_an_import(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_host=HOST_TESTS.replace("cc.testing.World", "World").replace(
            "import collabcore as cc", "import collabcore as cc\nfrom collabcore.testing import World"
        )
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    has_postgres = bool(os.environ.get("COLLABCORE_TEST_POSTGRES_DSN"))
    assert outcomes.get("passed") == (5 if has_postgres else 4), result.stdout.str()
    assert outcomes.get("skipped", 0) == (0 if has_postgres else 1)
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0


def test_the_plugin_can_be_turned_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_host="def test_x(collabcore_world):\n    pass\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:collabcore")
    assert "fixture 'collabcore_world' not found" in result.stdout.str()


HOST_STORE = """
from collabcore.adapters.memory import MemoryStore


class HostStore(MemoryStore):
    \"\"\"A host's adapter (here the memory store under another name).\"\"\"


def make_store(folder):
    return HostStore()
"""


def contract_size() -> int:
    from collabcore.testing import StoreContract

    return sum(1 for name in dir(StoreContract) if name.startswith("test_"))


def test_the_store_contract_runs_on_a_hosts_store_named_in_the_ini(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(host_storage=HOST_STORE, test_host="def test_own():\n    pass\n")
    pytester.makeini("[pytest]\ncollabcore_store = host_storage:make_store\npythonpath = .\n")
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    # Every test of the contract (as this repository runs it on the memory store), and the host's own.
    assert outcomes.get("passed", 0) == contract_size() + 1, result.stdout.str()[-2000:]
    assert outcomes.get("failed", 0) == 0
    # -k selects among the contract's tests as among the host's own.
    only = pytester.runpytest_subprocess("-q", "-p", "no:randomly", "-k", "TestHostStoreContract and outbox")
    assert 0 < only.parseoutcomes().get("passed", 0) < outcomes["passed"]


FORGETFUL_STORE = """
from collabcore.adapters.memory import MemoryStore


class ForgetfulStore(MemoryStore):
    \"\"\"A host's adapter that loses the outbox.\"\"\"

    def transaction(self, *, write=True):
        return _Forgetful(super().transaction(write=write))


class _Forgetful:
    def __init__(self, inner):
        self.inner = inner

    def __enter__(self):
        uow = self.inner.__enter__()
        uow.enqueue_effects = lambda effects, *, at: None
        return uow

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)


def make_store(folder):
    return ForgetfulStore()
"""


def test_a_store_that_loses_the_outbox_fails_the_contract(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(host_storage=FORGETFUL_STORE)
    argv = ["-q", "-p", "no:randomly", "--collabcore-store", "host_storage:make_store", "-o", "pythonpath=."]
    result = pytester.runpytest_subprocess(*argv)
    assert result.parseoutcomes().get("failed", 0) > 0
    assert "TestHostStoreContract::test_end_commits" in result.stdout.str() or "outbox" in result.stdout.str()


def test_a_store_option_that_names_nothing_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_host="def test_x():\n    pass\n")
    result = pytester.runpytest_subprocess("--collabcore-store", "no_such_module:make")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "cannot load it" in result.stderr.str()
