"""The policy file is refused, with the file and the key path of every problem, before any assessment uses it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from vigie.risk.policy import DEFAULT_POLICY, PolicyError, load_policy, parse_policy

ORIGIN = "custom-policy.yaml"
DEFAULT: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))


def edited(change: Callable[[dict[str, Any]], object]) -> str:
    data = copy.deepcopy(DEFAULT)
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def problems(text: str, origin: str = ORIGIN) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, origin)
    lines = str(caught.value).splitlines()
    assert lines and all(line.startswith(f"{origin}: ") for line in lines), lines
    return lines


def test_the_default_policy_parses_and_round_trips() -> None:
    policy = parse_policy(DEFAULT_POLICY.read_text(encoding="utf-8"), str(DEFAULT_POLICY))
    assert policy.id == "vigie-default" and policy.priority.bands[-1].min == 0
    assert parse_policy(edited(lambda d: None), ORIGIN) == policy


def test_an_unknown_key_is_refused_with_its_path() -> None:
    assert problems(edited(lambda d: d.update(colour="blue"))) == [f"{ORIGIN}: colour: Extra inputs are not permitted"]
    nested = problems(edited(lambda d: d["likelihood"].update(half_life=3)))
    assert nested == [f"{ORIGIN}: likelihood.half_life: Extra inputs are not permitted"]


def test_a_missing_section_is_refused_with_its_name() -> None:
    assert problems(edited(lambda d: d.pop("likelihood"))) == [f"{ORIGIN}: likelihood: Field required"]
    lines = problems(edited(lambda d: d["harms"]["life"].pop("irremediability")))
    assert lines == [f"{ORIGIN}: harms.life.irremediability: Field required"]


def test_a_wrong_type_is_refused_with_its_path() -> None:
    lines = problems(edited(lambda d: d["credibility"]["tiers"].update(ngo="high")))
    assert len(lines) == 1 and lines[0].startswith(f"{ORIGIN}: credibility.tiers.ngo: ")
    assert "valid number" in lines[0]
    lines = problems(edited(lambda d: d.update(harms=["life", "privacy"])))
    assert len(lines) == 1 and lines[0].startswith(f"{ORIGIN}: harms: ") and "dictionary" in lines[0]
    lines = problems(edited(lambda d: d.update(effective="next spring")))
    assert lines[0].startswith(f"{ORIGIN}: effective: ") and "date" in lines[0]


def test_out_of_range_weights_and_levels_are_refused() -> None:
    lines = problems(edited(lambda d: d["priority"]["involvement_weight"].update(cause=12)))
    assert lines == [f"{ORIGIN}: priority.involvement_weight.cause: Input should be less than or equal to 10"]
    lines = problems(edited(lambda d: d["credibility"]["tiers"].update(media=1.5)))
    assert lines == [f"{ORIGIN}: credibility.tiers.media: Input should be less than or equal to 1"]
    lines = problems(edited(lambda d: d["harms"]["privacy"].update(scale=0)))
    assert lines == [f"{ORIGIN}: harms.privacy.scale: Input should be greater than or equal to 1"]
    lines = problems(edited(lambda d: d["likelihood"].update(recency_half_life_days=0)))
    assert lines == [f"{ORIGIN}: likelihood.recency_half_life_days: Input should be greater than 0"]


def test_every_problem_is_listed_not_only_the_first() -> None:
    def break_three(d: dict[str, Any]) -> None:
        d["severity"]["max_weight"] = 2
        d["harms"]["life"]["scale"] = "five"
        d["extra"] = True

    lines = problems(edited(break_three))
    paths = sorted(line.split(": ")[1] for line in lines)
    assert paths == ["extra", "harms.life.scale", "severity.max_weight"]


def test_a_band_with_an_action_outside_the_vocabulary_is_refused() -> None:
    lines = problems(edited(lambda d: d["priority"]["bands"][0].update(action="bomb")))
    assert len(lines) == 1 and lines[0].startswith(f"{ORIGIN}: priority.bands.0.action: Input should be ")
    assert "'monitor'" in lines[0]


def test_a_band_whose_action_is_not_described_is_refused() -> None:
    lines = problems(edited(lambda d: d["actions"].pop("restrict")))
    assert lines == [f"{ORIGIN}: priority.bands.1.action: 'restrict' is not described under actions"]


def test_bands_must_cover_every_priority_from_zero_up() -> None:
    lines = problems(edited(lambda d: d["priority"]["bands"].pop()))  # no band with min 0
    assert len(lines) == 1 and lines[0].startswith(f"{ORIGIN}: priority.bands: bands must be listed")
    assert "[6.0, 4.0, 2.5, 1.0]" in lines[0]
    lines = problems(edited(lambda d: d["priority"]["bands"].reverse()))
    assert lines[0].startswith(f"{ORIGIN}: priority.bands: bands must be listed")
    lines = problems(edited(lambda d: d["priority"]["bands"][2].update(min=4.0)))  # an unreachable band
    assert lines[0].startswith(f"{ORIGIN}: priority.bands: ")
    assert problems(edited(lambda d: d["priority"].update(bands=[])))[0].startswith(f"{ORIGIN}: priority.bands: ")


def test_band_names_must_be_unique() -> None:
    lines = problems(edited(lambda d: d["priority"]["bands"][1].update(name="critical")))
    assert lines == [f"{ORIGIN}: priority.bands: band names must be unique; repeated: ['critical']"]


def test_clause_ids_must_be_unique() -> None:
    lines = problems(edited(lambda d: d["likelihood"].update(clause="SEV-1")))
    assert lines == [f"{ORIGIN}: likelihood.clause: clause id 'SEV-1' is already used by severity.clause"]
    lines = problems(edited(lambda d: d["prohibited_uses"].update({"PRI-1": {"text": "x", "harms": ["life"]}})))
    assert lines == [f"{ORIGIN}: prohibited_uses.PRI-1: clause id 'PRI-1' is already used by priority.clause"]


def test_every_involvement_level_and_specificity_needs_a_value() -> None:
    lines = problems(edited(lambda d: d["priority"]["involvement_weight"].pop("cause")))
    assert lines == [
        f"{ORIGIN}: priority.involvement_weight: must give all of "
        "['cause', 'contribute', 'directly-linked'] (missing ['cause'])"
    ]
    lines = problems(edited(lambda d: d["involvement"]["levels"].pop("directly-linked")))
    assert lines[0].startswith(f"{ORIGIN}: involvement.levels: must give all of ")
    lines = problems(edited(lambda d: d["likelihood"]["specificity"].pop("service-named")))
    assert lines[0].startswith(f"{ORIGIN}: likelihood.specificity: ") and "'service-named'" in lines[0]


def test_deeper_involvement_never_weighs_less() -> None:
    def flatter(d: dict[str, Any]) -> None:
        d["priority"]["involvement_weight"].update({"cause": 0.9, "contribute": 1.0})

    assert problems(edited(flatter)) == [
        f"{ORIGIN}: priority.involvement_weight: must not decrease from directly-linked to contribute to cause "
        "(got 0.7, 1, 0.9)"
    ]
    equal = edited(lambda d: d["priority"]["involvement_weight"].update({"cause": 1.0, "directly-linked": 1.0}))
    assert parse_policy(equal, ORIGIN).priority.involvement_weight["cause"] == 1.0


def test_a_claim_naming_the_service_never_weighs_less() -> None:
    lines = problems(edited(lambda d: d["likelihood"]["specificity"].update({"relationship-only": 0.9})))
    assert lines == [
        f"{ORIGIN}: likelihood.specificity: must not decrease from relationship-only to capability-named to "
        "service-named (got 0.9, 0.8, 1)"
    ]


def test_harms_must_match_what_the_evidence_can_allege() -> None:
    def rename(d: dict[str, Any]) -> None:
        d["harms"]["privcy"] = d["harms"].pop("privacy")

    lines = problems(edited(rename))
    assert f"{ORIGIN}: harms.privcy: not a harm the evidence stage knows" in lines[0]
    assert f"{ORIGIN}: harms: no severity for ['privacy']; allegations of it would be ignored" in lines
    assert f"{ORIGIN}: prohibited_uses.AUP-1.harms: unknown harm 'privacy'" in lines


def test_cross_checks_against_the_register_vocabularies() -> None:
    def bad(d: dict[str, Any]) -> None:
        d["involvement"]["capabilities"]["telepathy"] = "cause"
        d["customer_kinds"]["security_sector"].append("militia")
        d["context"]["heightened_flags"].append("spooky")
        d["credibility"]["tiers"].pop("court")

    lines = problems(edited(bad))
    assert f"{ORIGIN}: involvement.capabilities: unknown capabilities ['telepathy']" in lines
    assert f"{ORIGIN}: customer_kinds.security_sector: unknown organisation kinds ['militia']" in lines
    assert f"{ORIGIN}: context.heightened_flags: unknown territory flags ['spooky']" in lines
    assert any(line.startswith(f"{ORIGIN}: credibility.tiers: must give exactly") for line in lines)


def test_invalid_yaml_names_the_file_and_the_line() -> None:
    assert problems("id: x\nharms: [life\n") == [
        f"{ORIGIN}: not valid YAML: line 3, column 1: while parsing a flow sequence, "
        "expected ',' or ']', but got '<stream end>'"
    ]
    [line] = problems("id: x\nharms:\n\tlife: 1\n")
    assert line.startswith(f"{ORIGIN}: not valid YAML: line 3, column 1: ") and "'\\t'" in line


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line on which the n-th occurrence of a fragment starts."""
    at = -1
    for _ in range(occurrence):
        at = text.index(fragment, at + 1)
    return text.count("\n", 0, at) + 1


def test_a_key_given_twice_is_refused_naming_the_key_and_its_line() -> None:
    """YAML would keep the last value silently; a policy must say what it means once."""
    default = DEFAULT_POLICY.read_text(encoding="utf-8")
    text = default + "\nseverity:\n  clause: SEV-2\n"
    line = line_of(text, "\nseverity:", 2) + 1
    assert problems(text) == [
        f"{ORIGIN}: not valid YAML: line {line}, column 1: while reading a mapping, found the key 'severity' twice"
    ]
    nested = default.replace("    scale: 5\n", "    scale: 5\n    scale: 1\n", 1)
    line = line_of(nested, "    scale: 1\n")
    assert problems(nested) == [
        f"{ORIGIN}: not valid YAML: line {line}, column 5: while reading a mapping, found the key 'scale' twice"
    ]
    # In a flow mapping too, and with keys that only YAML's typing makes equal.
    flow = default.replace("involvement_weight: {cause: 1.2,", "involvement_weight: {cause: 1.2, cause: 1.3,", 1)
    [message] = problems(flow)
    assert f"line {line_of(flow, 'involvement_weight: {cause')}, column " in message
    assert "found the key 'cause' twice" in message
    assert "found the key 1 twice" in problems("id: x\n1: a\n0x1: b\n")[0]


def test_a_key_repeated_in_different_mappings_is_fine() -> None:
    """Only a key given twice in the same mapping is refused: every harm has its own `scale`."""
    policy = parse_policy(DEFAULT_POLICY.read_text(encoding="utf-8"), ORIGIN)
    assert len({h.scale for h in policy.harms.values()}) > 1


def test_yaml_merge_keys_still_work() -> None:
    """A merge key (`<<`) is not a repeated key: anchors can share values between harms."""
    text = (
        DEFAULT_POLICY.read_text(encoding="utf-8")
        .replace(
            "  liberty:\n    label: Liberty and security of person (arbitrary arrest and detention)\n"
            "    scale: 4\n    scope: 3\n    irremediability: 3\n",
            "  liberty: &liberty\n    label: Liberty and security of person (arbitrary arrest and detention)\n"
            "    scale: 4\n    scope: 3\n    irremediability: 3\n",
        )
        .replace(
            "  coercion:\n    label: Freedom from coercion (blackmail, forced informing)\n"
            "    scale: 4\n    scope: 3\n    irremediability: 3\n",
            "  coercion:\n    <<: *liberty\n    label: Freedom from coercion (blackmail, forced informing)\n",
        )
    )
    assert "<<: *liberty" in text
    policy = parse_policy(text, ORIGIN)
    assert policy.harms["coercion"].label.startswith("Freedom from coercion")
    assert policy.harms["coercion"].scale == policy.harms["liberty"].scale == 4


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert problems("- just\n- a list\n") == [f"{ORIGIN}: expected a mapping at the top level"]
    assert problems("") == [f"{ORIGIN}: expected a mapping at the top level"]


def test_load_policy_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(edited(lambda d: d["severity"].update(max_weight=-1)), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == f"{path}: severity.max_weight: Input should be greater than or equal to 0"
    with pytest.raises(PolicyError) as missing:
        load_policy(tmp_path / "nowhere.yaml")
    assert str(missing.value).startswith(f"{tmp_path / 'nowhere.yaml'}: cannot read: ")
    assert load_policy(None).id == "vigie-default"
