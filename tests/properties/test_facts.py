"""Facts by key are plain values: equal answers are equal facts with equal hashes, whatever
order the integrations answered in, so the plan memo can key on them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from collabcore.policy import Fact, Facts

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz.", min_size=1, max_size=12)
answers = st.one_of(st.booleans(), st.integers(), st.tuples(st.text(max_size=5)), st.text(max_size=5))
tables = st.dictionaries(keys, answers, max_size=6)


@given(tables)
def test_the_order_of_answers_does_not_matter(table: dict[str, object]) -> None:
    backwards = dict(reversed(list(table.items())))
    assert Facts(table) == Facts(backwards)
    assert hash(Facts(table)) == hash(Facts(backwards))


@given(tables, tables)
def test_facts_are_equal_exactly_when_the_answers_are(
    one: dict[str, object], other: dict[str, object]
) -> None:
    assert (Facts(one) == Facts(other)) == (one == other)


@given(tables, keys)
def test_a_fact_reads_its_answer_or_unknown(table: dict[str, object], key: str) -> None:
    assert Facts(table).get(Fact(key)) == table.get(key)
    assert Facts(table).extra == table
