"""A bounded schemathesis run against the OpenAPI document, on SQLite and PostgreSQL: no request makes a 500.

For every operation the document lists, schemathesis builds requests from its schema — valid ones
and, as often, ones that break it — and sends them to the app (ASGI, in process) as a user who holds
every role and leads the demo's case, so that they get past the role checks into the service
functions. Path parameters are drawn from the demo's real ids as well as at random, so the routes
that read and change a case, an order or a decision run on real rows rather than answering 404; and
every path and query parameter is also sent values a generator rarely makes (`HOSTILE`).

The run is bounded and repeatable: `MAX_EXAMPLES` requests per operation and backend, derandomised.
Schemathesis's own pytest plugin is not used: its lazy fixture loader does not work with the pytest
vigie runs, so the operations are parametrised here and Hypothesis drives each one directly.
"""

from __future__ import annotations

import itertools
import traceback
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import Served, app_for

MAX_EXAMPLES = 20
FUZZER = "fuzz.fictional"



def operations() -> list[tuple[str, str]]:
    """Every (method, path) of the document the app serves: the same whatever the database."""
    app = app_for("sqlite://")
    try:
        return sorted((method.upper(), path) for path, methods in app.openapi()["paths"].items() for method in methods)
    finally:
        app.state.engines.dispose()


OPERATIONS = operations()


@dataclass
class Fuzzing:
    schema: Any
    headers: dict[str, str]
    ids: dict[str, list[str]]


def known_ids(client: TestClient, served: Served, headers: dict[str, str]) -> dict[str, list[str]]:
    """Ids that exist in the demo, by the name of the path parameter that takes them."""

    def ids(path: str) -> list[str]:
        answer = client.get(path, params={"limit": 20}, headers=headers)
        assert answer.status_code == 200, answer.text
        return [str(item["id"]) for item in answer.json()["items"]]

    case = client.get(f"/api/v1/cases/{served.story.case_id}", headers=headers).json()
    documents = ids("/api/v1/documents")
    claims = client.get(f"/api/v1/documents/{documents[0]}", headers=headers).json()["claims"]
    request = client.post(
        "/api/v1/requests",
        json={"org_id": "org-il-unit-8200", "purpose": "Speech transcription", "subscription_ids": ["sub-8200-ai"]},
        headers=headers,
    )
    assert request.status_code == 201, request.text
    return {
        "case_id": [served.story.case_id],
        "item_id": [i["id"] for i in case["items"]],
        "doc_id": documents,
        "claim_id": [c["id"] for c in claims[:4]],
        "decision_id": ids("/api/v1/decisions"),
        "order_id": ids("/api/v1/orders"),
        "org_id": ids("/api/v1/organisations")[:4],
        "subscription_id": ids("/api/v1/subscriptions")[:4],
        "request_id": [request.json()["id"]],
        "user": [served.approver.name],
        "name": [served.approver.name],
    }


@pytest.fixture(scope="module")
def fuzzing(demo_on: Served) -> Fuzzing:
    """A user with every role who leads the demo's case, their token, the app's schema, and the demo's ids."""
    client = TestClient(demo_on.app)
    admin = demo_on.bearer(demo_on.admin.name)
    made = client.post(
        "/api/v1/users",
        json={"name": FUZZER, "roles": ["analyst", "investigator", "approver", "auditor", "admin"]},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    token = client.post(f"/api/v1/users/{FUZZER}/tokens", json={"label": "schemathesis"}, headers=admin).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    lead = client.post(f"/api/v1/cases/{demo_on.story.case_id}/members", json={"user": FUZZER, "role": "lead"},
                       headers=demo_on.bearer(demo_on.investigator.name))  # fmt: skip
    assert lead.status_code == 201, lead.text
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", demo_on.app)
    return Fuzzing(schema, headers, known_ids(client, demo_on, headers))


# What a parameter rarely gets from a generator but an attacker sends first: the NUL character (which
# PostgreSQL refuses), LIKE's wildcards, SQL, a path, a right-to-left override, an emoji, something long.
HOSTILE = ("\x00", "a\x00b", "%", "_", "' OR 1=1 --", "../../etc/passwd", "\u202e", "\U0001f600", "x" * 5000)


def strategies(operation: Any, ids: dict[str, list[str]]) -> list[Any]:
    """Valid and invalid requests, requests whose path names things that exist, and hostile parameters."""
    out = [
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    ]
    names = [p.name for p in operation.path_parameters]
    if names and all(ids.get(n) for n in names):
        for values in itertools.islice(itertools.product(*(ids[n] for n in names)), 4):
            out.append(operation.as_strategy(path_parameters=dict(zip(names, values, strict=True))))
    for name in names:
        out.append(st.sampled_from(HOSTILE).flatmap(lambda v, n=name: operation.as_strategy(path_parameters={n: v})))
    for name in [p.name for p in operation.query]:
        out.append(st.sampled_from(HOSTILE).flatmap(lambda v, n=name: operation.as_strategy(query={n: v})))
    return out


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_request_makes_a_server_error(fuzzing: Fuzzing, method: str, path: str) -> None:
    operation = fuzzing.schema[path][method]
    failures: list[str] = []

    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(st.one_of(strategies(operation, fuzzing.ids)))
    def probe(case: schemathesis.Case) -> None:
        try:
            response = case.call(headers=fuzzing.headers)
        except Exception:  # the app raised: TestClient re-raises what the server turned into a 500
            failures.append(f"{case.as_curl_command()}\n{traceback.format_exc(limit=-6)}")
            return
        if response.status_code >= 500:
            failures.append(f"{case.as_curl_command()}\n{response.status_code} {response.content[:500]!r}")

    probe()
    assert not failures, f"{len(failures)} request(s) made a server error; the first:\n{failures[0]}"
