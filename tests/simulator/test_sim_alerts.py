"""Alerts: list filters, details, delete."""

from __future__ import annotations

from typing import Any

from etrade_sync.simulator.testing import error_of


def _list(api: Any, **params: Any) -> Any:
    return api.get("/v1/user/alerts.json", **params)


def test_list_and_filters(api: Any) -> None:
    body = _list(api).json()["AlertsResponse"]
    assert body["totalAlerts"] == len(body["Alert"]) == 6
    created = [a["createTime"] for a in body["Alert"]]
    assert created == sorted(created, reverse=True)
    assert set(body["Alert"][0]) == {"id", "createTime", "subject", "status"}
    ascending = _list(api, direction="ASC").json()["AlertsResponse"]["Alert"]
    assert [a["createTime"] for a in ascending] == sorted(created)
    stock = _list(api, category="STOCK").json()["AlertsResponse"]["Alert"]
    assert 0 < len(stock) < 6
    unread = _list(api, status="UNREAD").json()["AlertsResponse"]["Alert"]
    assert all(a["status"] == "UNREAD" for a in unread) and unread
    found = _list(api, search="tsla").json()["AlertsResponse"]["Alert"]
    assert [a["subject"] for a in found] == ["TSLA has fallen 5% today"]
    two = _list(api, count=2).json()["AlertsResponse"]
    assert len(two["Alert"]) == 2 and two["totalAlerts"] == 6


def test_no_match_is_404_code_53(api: Any) -> None:
    response = _list(api, search="no such alert")
    assert response.status_code == 404
    assert error_of(response.text)[0] == 53


def test_bad_parameters(api: Any) -> None:
    assert _list(api, count=301).status_code == 400
    assert _list(api, category="WEATHER").status_code == 400
    assert api.get("/v1/user/alerts/0.json").status_code == 400
    assert error_of(api.get("/v1/user/alerts/abc.json").text)[0] == 499
    assert api.get("/v1/user/alerts/424242.json").status_code == 404


def test_details_mark_read_and_strip_tags(api: Any) -> None:
    alert = next(a for a in api.sim.alerts if a.status == "UNREAD")
    plain = api.ok(f"/v1/user/alerts.json/{alert.alert_id}")["AlertDetailsResponse"]
    assert plain["id"] == alert.alert_id and plain["subject"] == alert.subject
    assert "<" not in plain["msgText"] and plain["readTime"] > 0
    tagged = api.ok(f"/v1/user/alerts/{alert.alert_id}.json", htmlTags="true")[
        "AlertDetailsResponse"
    ]
    assert "<p>" in tagged["msgText"]
    assert next(a for a in api.sim.alerts if a.alert_id == alert.alert_id).status == "READ"
    neighbour = plain.get("next") or plain["prev"]
    linked = api.ok(neighbour.split(api.sim.url, 1)[1])["AlertDetailsResponse"]
    assert linked["id"] != alert.alert_id


def test_delete_reports_unknown_ids(api: Any) -> None:
    first, second = api.sim.alerts[0].alert_id, api.sim.alerts[1].alert_id
    response = api.request("DELETE", f"/v1/user/alerts/{first},{second},999999.json")
    assert response.status_code == 200
    assert response.json() == {
        "AlertsResponse": {"result": "SUCCESS", "failedAlerts": {"alertId": [999999]}}
    }
    statuses = {a.alert_id: a.status for a in api.sim.alerts}
    assert statuses[first] == statuses[second] == "DELETED"
    remaining = _list(api).json()["AlertsResponse"]
    assert remaining["totalAlerts"] == 4
    deleted = _list(api, status="DELETED").json()["AlertsResponse"]["Alert"]
    assert {a["id"] for a in deleted} == {first, second}
    plain = api.request("DELETE", f"/v1/user/alerts/{api.sim.alerts[2].alert_id}")
    assert "<result>SUCCESS</result>" in plain.text
    nothing = api.request("DELETE", "/v1/user/alerts/999998.json").json()["AlertsResponse"]
    assert nothing["result"] == "FAILURE" and nothing["failedAlerts"]["alertId"] == [999998]
