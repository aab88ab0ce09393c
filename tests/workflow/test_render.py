"""Renderer: golden files for the seed shape and every option, determinism, safe quoting of queue names.
Regenerate goldens after a deliberate change with UPDATE_GOLDEN=1 and review the diff."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.render import PLACEHOLDER_PREFIX, render, render_json, to_json
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue, quote_literal
from flex_chat_transfer.workflow.validate import validate_configuration

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "workflows" / "golden"
REPO = Path(__file__).resolve().parents[2]


def sids_for(spec):
    return {name: "WQ" + hashlib.sha256(name.encode()).hexdigest()[:32] for name in spec.queue_names()}


CONFIGS = {
    "seed-default": {"transferQueues": ["Sales", "Support"]},
    "no-transfer-queues": {},
    "timeout-priority": {"transferQueues": [{"name": "Sales", "timeout": 60, "priority": 10}]},
    "order-by": {"transferQueues": [{"name": "Sales", "orderBy": "worker.level DESC, worker.tenure ASC"}]},
    "skip-if": {"transferQueues": [{"name": "Sales", "skipIf": "workers.available == 0"}]},
    "fallback": {"transferQueues": [{"name": "Sales", "timeout": 30, "fallbackQueue": "Everyone"}]},
    "default-queue": {"transferQueues": ["Sales"], "defaultQueue": "Overflow"},
    "custom-attributes": {
        "workerTransferQueue": "All Agents",
        "transferQueues": ["Sales"],
        "attributes": {
            "targetType": "kind",
            "targetSid": "target",
            "queueName": "queue",
            "workersInConversation": "already_in_chat",
        },
    },
    "quoting": {"transferQueues": ["O'Brien Team", 'The "A" Team', "Ventes Québec"]},
    "all-options": {
        "workerTransferQueue": "Everyone",
        "transferQueues": [
            "Sales",
            {
                "name": "Support",
                "timeout": 120,
                "priority": 5,
                "orderBy": "worker.level DESC",
                "skipIf": "workers.available == 0",
                "fallbackQueue": "Sales",
            },
        ],
        "defaultQueue": "Everyone",
    },
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_golden(name):
    spec = spec_from_config(CONFIGS[name], "test")
    text = render_json(spec, sids_for(spec))
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert validate_configuration(text, sids_for(spec)) == []


def test_golden_placeholders():
    spec = spec_from_config(CONFIGS["seed-default"], "test")
    text = render_json(spec, None)
    golden = GOLDEN / "seed-default-placeholders.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def test_seed_shape():
    spec = ChatTransferSpec(transfer_queues=(TransferQueue("Sales"),))
    document = render(spec, {"Everyone": "WQ" + "1" * 32, "Sales": "WQ" + "2" * 32})
    assert document == {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Assign to Worker",
                    "expression": "transferTargetType == 'worker'",
                    "targets": [{"queue": "WQ" + "1" * 32, "known_worker_sid": "task.transferTargetSid"}],
                },
                {
                    "filter_friendly_name": "Assign To Queue - Sales",
                    "expression": "transferQueueName == 'Sales'",
                    "targets": [
                        {
                            "queue": "WQ" + "2" * 32,
                            "expression": "worker.sid NOT IN task.workerSidsInConversation",
                        }
                    ],
                },
            ]
        }
    }


def test_same_input_same_bytes_regardless_of_mapping_order():
    spec = spec_from_config(CONFIGS["all-options"], "test")
    sids = sids_for(spec)
    reordered = dict(reversed(list(sids.items())))
    config_reordered = dict(reversed(list(CONFIGS["all-options"].items())))
    first = render_json(spec, sids)
    assert render_json(spec, reordered) == first
    assert render_json(spec_from_config(config_reordered, "test"), sids) == first
    assert first.endswith("}\n") and '\n  "task_routing"' in first


def test_same_bytes_across_processes_with_different_hash_seeds():
    code = (
        "import hashlib,sys; from flex_chat_transfer.workflow.loader import spec_from_config;"
        "from flex_chat_transfer.workflow.render import render_json;"
        f"spec = spec_from_config({CONFIGS['all-options']!r}, 'test');"
        "sids = {n: 'WQ' + hashlib.sha256(n.encode()).hexdigest()[:32] for n in spec.queue_names()};"
        "sys.stdout.write(render_json(spec, sids))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


def test_to_json_orders_keys_canonically():
    messy = {
        "task_routing": {
            "default_filter": {"timeout": 1, "queue": "q"},
            "filters": [{"targets": [], "expression": "e", "filter_friendly_name": "n"}],
        }
    }
    assert list(json.loads(to_json(messy))["task_routing"]) == ["filters", "default_filter"]
    assert to_json(messy).index('"filter_friendly_name"') < to_json(messy).index('"targets"')
    assert to_json(messy).index('"queue"') < to_json(messy).index('"timeout"')


@pytest.mark.parametrize(
    ("name", "literal"),
    [
        ("Sales", "'Sales'"),
        ("O'Brien Team", '"O\'Brien Team"'),
        ('The "A" Team', "'The \"A\" Team'"),
    ],
)
def test_quote_picks_the_quote_the_name_lacks(name, literal):
    assert quote_literal(name) == literal


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ('It\'s "fine"', "contains both ' and \""),
        ("", "queue name is empty"),
        ("Line\nBreak", "contains a control character"),
        ("x" * 65, "is 65 characters, over TaskRouter's 64"),
        ("back\\slash", "contains a backslash"),
    ],
)
def test_names_that_cannot_be_quoted_are_refused(name, message):
    spec = ChatTransferSpec(transfer_queues=(TransferQueue(name),))
    with pytest.raises(ProblemsError) as caught:
        render(spec, None)
    (problem,) = caught.value.problems
    assert problem.path == "spec.transfer_queues[0].name"
    assert message in problem.message


def test_placeholders_are_marked_and_never_valid_sids():
    spec = ChatTransferSpec(transfer_queues=(TransferQueue("Sales"),))
    document = render(spec, None)
    queues = [f["targets"][0]["queue"] for f in document["task_routing"]["filters"]]
    assert queues == [f"{PLACEHOLDER_PREFIX}Everyone>", f"{PLACEHOLDER_PREFIX}Sales>"]
    assert len(validate_configuration(document)) == 2


def test_missing_and_malformed_sids_are_one_line_each():
    spec = ChatTransferSpec(transfer_queues=(TransferQueue("Sales"), TransferQueue("Support")))
    with pytest.raises(ProblemsError) as caught:
        render(spec, {"Everyone": "WQ" + "a" * 32, "Sales": "nope"})
    assert [str(p) for p in caught.value.problems] == [
        "queue_sids[\"Sales\"]: 'nope' is not a TaskQueue SID (fix: use WQ followed by 32 hex digits)",
        'queue_sids["Support"]: no SID for queue \'Support\' '
        '(fix: add "Support": "WQ…" to the queue SID map)',
    ]


def test_rendered_quoted_names_parse_as_expressions():
    spec = spec_from_config(CONFIGS["quoting"], "test")
    document = render(spec, sids_for(spec))
    expressions = [f["expression"] for f in document["task_routing"]["filters"][1:]]
    assert expressions == [
        'transferQueueName == "O\'Brien Team"',
        "transferQueueName == 'The \"A\" Team'",
        "transferQueueName == 'Ventes Québec'",
    ]
    assert validate_configuration(document, sids_for(spec)) == []
