"""Each resource kind is declared once (`Kind.inputs`/`outputs` in infra/twiliox/<kind>.py): the program's
classes (infra/twiliox/resources.py) and the package schema (infra/twiliox/schema.py) must agree with it. A
property added to a kind reaches both; a class or schema that drifted from its kind fails here."""

from __future__ import annotations

import copy
import inspect

import pulumi
import pytest

from flex_chat_transfer.infra.twiliox import resources
from flex_chat_transfer.infra.twiliox.kinds import KINDS
from flex_chat_transfer.infra.twiliox.schema import schema
from tests.infra.pulumi_mocks import NoCalls, installed

CLASSES = {
    cls.KIND.token: cls
    for cls in vars(resources).values()
    if inspect.isclass(cls) and issubclass(cls, resources._Resource) and cls is not resources._Resource
}


class Recorder(NoCalls):
    """Records what each resource sends to the engine (its registered properties)."""

    def __init__(self) -> None:
        self.registered: dict[str, dict] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registered[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)


@pytest.fixture
def recorder():
    return installed(Recorder())


def test_every_kind_has_one_class_and_one_schema_entry_and_nothing_else_does():
    published = schema(KINDS.values())["resources"]
    assert set(CLASSES) == set(KINDS) == set(published)
    for token, cls in CLASSES.items():
        assert cls.KIND is KINDS[token], token


@pytest.mark.parametrize("token", sorted(KINDS))
def test_the_schema_lists_exactly_the_kinds_properties(token):
    kind, entry = KINDS[token], schema(KINDS.values())["resources"][token]
    assert set(entry["inputProperties"]) == set(kind.inputs)
    assert set(entry["properties"]) == set(kind.inputs) | set(kind.outputs)
    assert entry["requiredInputs"] == list(kind.required)
    for name, (type_name, _) in {**kind.inputs, **kind.outputs}.items():
        assert entry["properties"][name]["type"] == type_name, (token, name)
    # What steers the kind's diff and destroy names its own inputs, never a property it does not have.
    for group in (kind.required, kind.replace_on, kind.secret_inputs, kind.restorable, kind.not_diffed):
        assert set(group) <= set(kind.inputs), (token, group)


@pytest.mark.parametrize("token", sorted(KINDS))
def test_the_class_attributes_the_program_reads_are_properties_of_the_kind(token):
    kind, cls = KINDS[token], CLASSES[token]
    annotated = {
        name
        for klass in cls.__mro__
        if klass.__module__ == resources.__name__
        for name, hint in vars(klass).get("__annotations__", {}).items()
        if str(hint).startswith("pulumi.Output")
    }
    assert annotated <= set(kind.inputs) | set(kind.outputs), annotated - set(kind.inputs) - set(kind.outputs)


@pulumi.runtime.test
def test_each_class_sends_the_kinds_inputs_and_declares_its_outputs(recorder):
    made = {}
    for token, cls in CLASSES.items():
        kind = KINDS[token]
        sample = {
            "string": "text",
            "integer": 1,
            "number": 1.5,
            "boolean": True,
            "object": {"a": 1},
            "array": ["x"],
        }
        given = {key: sample[type_name] for key, (type_name, _) in kind.inputs.items()}
        made[token] = (cls(f"probe-{token.rsplit(':', 1)[-1]}", **given), given)

    def check(_):
        for token, (resource, given) in made.items():
            kind = KINDS[token]
            sent = recorder.registered[f"probe-{token.rsplit(':', 1)[-1]}"]
            assert {k: v for k, v in sent.items() if k in given} == given, token
            assert set(sent) <= set(kind.inputs), token
            for output in kind.outputs:
                assert isinstance(getattr(resource, output), pulumi.Output), (token, output)

    return pulumi.Output.all(*(r.id for r, _ in made.values())).apply(check)


def test_an_input_the_kind_does_not_declare_or_a_missing_required_one_is_refused(recorder):
    with pytest.raises(TypeError, match="does not declare: \\['frendly_name'\\]"):
        resources.TaskQueue("q", workspace_sid="WS1", friendly_name="Sales", frendly_name="typo")
    with pytest.raises(TypeError, match="missing required inputs: \\['friendly_name'\\]"):
        resources.TaskQueue("q", workspace_sid="WS1")


@pulumi.runtime.test
def test_a_property_added_to_a_kind_reaches_the_class_and_the_schema(recorder, monkeypatch):
    token = "twiliox:taskrouter:TaskQueue"
    grown = copy.copy(KINDS[token])
    grown.inputs = {**grown.inputs, "assignment_activity_sid": ("string", "Activity on assignment (WA…).")}
    grown.outputs = {**grown.outputs, "url": ("string", "The queue's URL.")}
    monkeypatch.setitem(KINDS, token, grown)

    class GrownQueue(resources._Resource, token=token):
        pass

    assert "assignment_activity_sid" in schema(KINDS.values())["resources"][token]["inputProperties"]
    queue = GrownQueue("grown", workspace_sid="WS1", friendly_name="Sales", assignment_activity_sid="WA1")
    assert isinstance(queue.url, pulumi.Output)  # type: ignore[attr-defined]
    return queue.id.apply(
        lambda _: recorder.registered["grown"]["assignment_activity_sid"] == "WA1" or pytest.fail("not sent")
    )


def test_the_provider_class_takes_exactly_the_schemas_configuration():
    published = set(schema(KINDS.values())["config"]["variables"])
    params = [
        p
        for p in inspect.signature(resources.Provider.__init__).parameters
        if p not in ("self", "name", "opts")
    ]
    camel = {p.split("_")[0] + "".join(part.title() for part in p.split("_")[1:]) for p in params}
    assert camel == published
