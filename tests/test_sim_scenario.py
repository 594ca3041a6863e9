"""The scenario format: the built-in scenario is valid, its doc lists its expectations, and
bad documents fail with every problem at its JSON path."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from sharedsky.errors import InvalidInput
from sharedsky.sim import BUILTIN_SCENARIOS, builtin_scenario, load_scenario, parse_scenario


def _builtin_document(name: str = "syria-2015") -> dict[str, Any]:
    text = resources.files("sharedsky.sim").joinpath(f"scenarios/{name}.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@pytest.mark.parametrize("name", BUILTIN_SCENARIOS)
def test_builtin_scenarios_are_valid_and_documented(name: str) -> None:
    scenario = builtin_scenario(name)
    assert scenario.expectations and scenario.flights and scenario.actions
    doc = resources.files("sharedsky.sim").joinpath(f"scenarios/{name}.md").read_text()
    for expectation in scenario.expectations:
        assert f"`{expectation.id}`" in doc, f"{name}.md does not list {expectation.id}"
    listed = {line.split("`")[1] for line in doc.splitlines() if line.startswith("| `")}
    assert listed == {e.id for e in scenario.expectations}


def test_syria_2015_tells_the_story() -> None:
    s = builtin_scenario("syria-2015")
    assert {p.id: p.airspace for p in s.parties}["TR"] == ("TUR",)
    ru = s.operation("RU", "homs-hama")
    assert ru.priority > s.operation("US", "coalition-east").priority
    declared = next(
        t for t, a in zip(s.action_times_s, s.actions, strict=True) if a.declare == "homs-hama"
    )
    start = s.time_s(ru.volumes[0]["time_start"])
    assert start - declared == 3600.0  # one hour's notice
    assert {f.party for f in s.flights} == {"RU", "US", "TR"}


def _issues(data: Any) -> list[str]:
    with pytest.raises(InvalidInput) as error:
        parse_scenario(data)
    return [str(i) for i in error.value.issues]


def test_structural_errors_have_paths() -> None:
    data = _builtin_document()
    data["parties"][0]["colour"] = "red"
    data["flights"][1]["icao24"] = "xyz"
    data["operations"][0]["bogus"] = 1
    found = _issues(data)
    assert any(i.startswith("$.parties[0].colour:") for i in found)
    assert any(i.startswith("$.flights[1].icao24:") for i in found)
    assert any(i.startswith("$.operations[0].bogus:") for i in found)


def test_semantic_errors_have_paths() -> None:
    base = _builtin_document()
    data = copy.deepcopy(base)
    data["flights"][0]["party"] = "XX"
    data["flights"][0]["route"][0]["altitude"] = "FL999x"
    data["flights"][2]["type"] = "ZZZZ"
    data["flights"][1]["route"][2]["orbit"]["radius"] = "0.5NM"
    data["operations"][0]["volumes"][0]["time_end"] = "later"
    data["actions"][2]["declare"] = "nowhere"
    data["actions"][4]["answer"]["reason"] = ""
    data["expectations"][2]["alert"]["between"][1] = "NOBODY"
    data["expectations"][0]["notice"]["lead_time_min"] = "5 parsecs"
    found = _issues(data)
    expected = [
        "$.flights[0].party: no party 'XX'",
        "$.flights[0].route[0].altitude:",
        "$.flights[2].type: unknown aircraft type 'ZZZZ'",
        "$.flights[1].route[2].orbit.radius:",
        "$.operations[0].volumes[0]",
        "$.actions[2].declare: no operation 'nowhere' of RU",
        "$.actions[4].answer.reason: an objection needs a reason",
        "$.expectations[2].alert.between[1]: no flight 'NOBODY'",
        "$.expectations[0].notice.lead_time_min:",
    ]
    for prefix in expected:
        assert any(i.startswith(prefix) for i in found), (prefix, found)


def test_actions_in_order_and_one_kind_each() -> None:
    data = _builtin_document()
    data["actions"][0]["at"] = "+02:00"
    data["actions"][1]["cancel"] = "coalition-east"
    found = _issues(data)
    assert "$.actions: actions must be listed in time order" in found
    assert any(i.startswith("$.actions[1]: an action is exactly one of") for i in found)


def test_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        load_scenario(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InvalidInput, match=r"not YAML \(line"):
        load_scenario(bad)
    with pytest.raises(InvalidInput, match="no built-in scenario"):
        builtin_scenario("atlantis")


def test_sim_uses_no_service_internals() -> None:
    """DESIGN.md: the simulator reaches a server only over HTTP."""
    import sharedsky.sim

    root = Path(sharedsky.sim.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        for name in ("service", "store", "cli", "ledger"):
            assert f"sharedsky.{name}" not in text, f"{path.name} imports sharedsky.{name}"
