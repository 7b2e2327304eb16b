"""Orders listed a page at a time by the database, and counted with the same filters."""

from __future__ import annotations

from tests.enforce.conftest import World
from vigie.enforce import service
from vigie.store.engine import session_scope


def test_orders_are_paged_in_the_query_and_counted_with_their_filters(world: World) -> None:
    decision = world.decide("suspend", ["sub-00000", "sub-00003"])  # one customer's
    with session_scope(world.engine) as session:
        issued = service.orders_for_decision(session, "abe", decision)
        service.cancel(session, "abe", issued[0].id, "test")
    with session_scope(world.engine) as session:
        whole = service.list_orders(session)
        assert len(whole) == 2
        assert [o.id for o in service.list_orders(session, limit=2, offset=1)] == [o.id for o in whole[1:]]
        assert service.count_orders(session) == 2
        assert service.count_orders(session, state="pending") == 1
        assert service.count_orders(session, decision_id=decision, subscription_id="sub-00003") == 1
        assert service.count_orders(session, decision_id="dec-other") == 0
