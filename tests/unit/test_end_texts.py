"""An end's documents, pieced together once (adapters.codecs.end_texts), are byte for byte
what the encoder makes of the converter's data for each: the texts a store keeps do not
depend on which road wrote them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from collabcore.adapters.codecs import end_texts
from collabcore.adapters.serialization import converter
from collabcore.domain import (
    Collaboration,
    CollaborationEnded,
    Effect,
    EffectKind,
    EffectStatus,
    Event,
    Outcome,
)
from collabcore.domain.outbox import OutboxItem
from collabcore.domain.records import EndResult, EndWrites, IdempotencyRecord
from collabcore.domain.validation import require_text
from collabcore.testing import strategies as s


def _encode(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _kept(text: str) -> bool:
    try:
        require_text(text, "id")
    except Exception:
        return False
    return True


# Ids with what JSON must escape in them: quotes, backslashes, control characters, and text
# that is not ASCII.
hostile_ids = st.one_of(
    s.ids,
    st.text(alphabet=st.sampled_from('a"\\\n\t\x01é€😀/'), min_size=1, max_size=8).filter(_kept),
)


@st.composite
def end_writes(draw: st.DrawFn) -> EndWrites:
    active = Collaboration(
        draw(hostile_ids), draw(hostile_ids), draw(hostile_ids), draw(s.products), draw(s.moments)
    )
    collaboration = active.end(
        actor=draw(s.actors), outcome=draw(st.sampled_from(Outcome)), at=draw(s.moments)
    )
    at = draw(s.moments)
    same_ids = draw(st.booleans())
    kinds = draw(st.lists(st.sampled_from(EffectKind), max_size=5))
    effects = tuple(
        Effect(
            collaboration.id if same_ids else draw(hostile_ids),
            step,
            kind,
            collaboration.office_id if same_ids else draw(hostile_ids),
            draw(hostile_ids) if not same_ids and draw(st.booleans()) else collaboration.customer_id,
            collaboration.product,
            None if same_ids else draw(st.one_of(st.none(), hostile_ids)),
            None if same_ids else draw(st.one_of(st.none(), hostile_ids)),
        )
        for step, kind in enumerate(kinds, start=1)
    )
    event = CollaborationEnded(
        collaboration.id,
        collaboration.office_id,
        collaboration.customer_id,
        collaboration.product,
        draw(st.sampled_from(Outcome)),
        draw(s.actors),
        tuple(draw(st.lists(hostile_ids, max_size=3))),
        draw(s.moments),
    )
    record = None
    if draw(st.booleans()):
        own = draw(st.booleans())
        result = (
            EndResult(collaboration, event, effects, replayed=draw(st.booleans()))
            if own
            else EndResult(draw(s.collaborations()), event, effects[:1])
        )
        record = IdempotencyRecord(
            draw(hostile_ids), draw(hostile_ids), result, draw(s.moments), scope=draw(hostile_ids)
        )
    return EndWrites(
        collaboration,
        draw(st.integers(0, 5)),
        event,
        draw(st.one_of(st.none(), s.subscriptions)),
        effects,
        at,
        record,
    )


@settings(max_examples=300)
@given(end_writes())
def test_each_text_is_the_converters_data_encoded(writes: EndWrites) -> None:
    texts = end_texts(writes, _encode)
    unstructure = converter().unstructure
    assert texts.collaboration == _encode(unstructure(writes.ended))
    assert texts.event == _encode(unstructure(writes.event, unstructure_as=Event))
    subscription = writes.subscription
    assert texts.subscription == (None if subscription is None else _encode(unstructure(subscription)))
    items = [OutboxItem(e, EffectStatus.PENDING, 0, writes.at, writes.at) for e in writes.effects]
    assert list(texts.items) == [_encode(unstructure(i)) for i in items]
    record = writes.idempotency
    assert texts.record == (None if record is None else _encode(unstructure(record)))
