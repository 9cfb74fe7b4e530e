"""client.alerts over the simulator (real sockets)."""

from __future__ import annotations

import pytest

from etrade_sync.client import Client
from etrade_sync.errors import NotFoundError, ValidationError
from etrade_sync.simulator import Simulator


def test_list_and_filters(fast_client: Client, sim: Simulator) -> None:
    stored = [a for a in sim.alerts if a.status != "DELETED"]
    alerts = fast_client.alerts.list()
    assert {a.alert_id for a in alerts} == {a.alert_id for a in stored}
    created = [a.created_at for a in alerts]
    assert created == sorted(created, reverse=True)  # newest first by default
    oldest_first = fast_client.alerts.list(direction="ASC")
    assert [a.alert_id for a in oldest_first] == [a.alert_id for a in reversed(alerts)]
    unread = fast_client.alerts.list(status="unread")
    assert unread and all(a.status == "UNREAD" for a in unread)
    stock = fast_client.alerts.list(category="STOCK", count=2)
    assert 0 < len(stock) <= 2
    word = alerts[0].subject.split()[0]  # type: ignore[union-attr]
    found = fast_client.alerts.list(search=word)
    assert found and all(word.lower() in (a.subject or "").lower() for a in found)


def test_no_matching_alerts_is_an_empty_list(fast_client: Client, sim: Simulator) -> None:
    assert fast_client.alerts.list(search="no alert says this") == []
    assert sim.log.last("/v1/user/alerts*").status == 404


def test_get_reads_the_text(fast_client: Client, sim: Simulator) -> None:
    first = fast_client.alerts.list()[0]
    detail = fast_client.alerts.get(first.alert_id, html_tags=True)
    assert detail.alert_id == first.alert_id
    assert detail.subject == first.subject
    assert detail.text
    assert detail.read_at is not None
    assert sim.log.last("/v1/user/alerts/*").query["htmlTags"] == "true"
    with pytest.raises(NotFoundError):
        fast_client.alerts.get(987654)


def test_delete_reports_failed_ids(fast_client: Client, sim: Simulator) -> None:
    first, second = fast_client.alerts.list()[:2]
    result = fast_client.alerts.delete([first.alert_id, second.alert_id, 987654])
    assert result.failed_ids == (987654,)
    assert set(result.deleted_ids) == {first.alert_id, second.alert_id}
    assert not result.ok
    left = {a.alert_id for a in fast_client.alerts.list()}
    assert first.alert_id not in left and second.alert_id not in left
    assert fast_client.alerts.delete(fast_client.alerts.list()[0].alert_id).ok


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.alerts.list(count=301), "count"),
        (lambda c: c.alerts.list(status="ARCHIVED"), "status"),
        (lambda c: c.alerts.list(search=""), "search"),
        (lambda c: c.alerts.get(0), "alert_id"),
        (lambda c: c.alerts.delete([]), "alert_ids"),
        (lambda c: c.alerts.delete([1, "x"]), "alert_ids"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    fast_client: Client, sim: Simulator, call: object, field: str
) -> None:
    sim.log.clear()
    with pytest.raises(ValidationError) as info:
        call(fast_client)  # type: ignore[operator]
    assert info.value.field == field
    assert len(sim.log) == 0
