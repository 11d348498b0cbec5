"""Hostile input: any JSON anywhere in a record or finding gives results or InvalidRequest,
never another exception (hypothesis)."""

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radcds_risk import examples as ex
from radcds_risk.assess.outcome import Status
from radcds_risk.assessor import Assessor, InvalidRequest
from radcds_risk.settings import RiskSettings

NOW = ex.REFERENCE_TIME
ASSESSOR = Assessor(RiskSettings())
RECORD = ex.typical_record(NOW)
FINDINGS = [ex.ich_finding(0.9, 35, True, False), ex.nodule_finding("n", 7, "RUL", "solid", True)]
ORDER = {
    "resourceType": "ServiceRequest",
    "status": "draft",
    "intent": "order",
    "subject": {"reference": "Patient/p1"},
    "code": {"text": "CT Chest W contrast IV"},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


DOCUMENT = {"record": RECORD, "findings": FINDINGS, "order": ORDER}
PATHS = [p for p in _paths(DOCUMENT) if p != ("findings",)]


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values)
def test_any_value_anywhere_is_results_or_invalid_request(
    path: tuple[Any, ...], value: Any
) -> None:
    document = _replace(DOCUMENT, path, value)
    try:
        results = ASSESSOR.assess(
            json.dumps(document["record"]).encode(),
            [json.dumps(f).encode() for f in document["findings"]],
            as_of=NOW,
            draft_order=json.dumps(document["order"]).encode(),
        )
    except InvalidRequest:
        return
    for result in results:
        if result.outcome.status is Status.MISSING_INPUT:
            assert result.outcome.missing
        assert (result.risk_assessment is not None) == (result.outcome.status is Status.COMPUTED)
