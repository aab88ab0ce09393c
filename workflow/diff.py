"""Semantic diff of two TaskRouter workflow configurations, for reviewing a change.

Pure: two parsed JSON documents in, a `WorkflowDiff` out, and two renderings of it (plain text for a
terminal, Markdown for a pull-request comment). Whitespace and key order never matter because we
compare parsed values. Filters are paired by `filter_friendly_name` (falling back to the expression for
unnamed filters), so a rename of the JSON around them, or a move, is not a remove plus an add.

With a scenario file, `routing_outcomes` routes each scenario's task through both documents with the
simulator (flex_chat_transfer.workflow.simulate), and the renderings add a before/after table, changed rows
first.

Reviewing two versions of a stack (`diff --stack`), `diff_stack_settings` adds what the workflow document
does not show: the queues the stack declares (creates and owns: added, removed, renamed, changed) and the
Flex feature flags it writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from flex_chat_transfer.workflow.flex_plugin import PluginSettings
from flex_chat_transfer.workflow.problems import Problem, ProblemsError
from flex_chat_transfer.workflow.scenarios import ScenarioFile
from flex_chat_transfer.workflow.simulate import ConfigurationError, Router, Routing
from flex_chat_transfer.workflow.spec import ChatTransferSpec, Features, TransferQueue


class _Missing:
    """Marks a key that is absent on one side (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()

# Target keys whose value is a TaskQueue SID, so a name can be shown next to it.
_QUEUE_KEYS = frozenset({"queue"})


@dataclass(frozen=True)
class ValueChange:
    """One key whose value differs; `old` or `new` is MISSING when the key was added or removed."""

    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TargetChange:
    """A target (routing step) of a filter, or the default_filter, that was added, removed or changed."""

    index: int
    kind: Literal["added", "removed", "changed"]
    changes: tuple[ValueChange, ...] = ()
    target: Mapping[str, Any] | None = None  # the whole target for added / removed


@dataclass(frozen=True)
class FilterChange:
    """A filter that was added, removed, or (when paired) moved and/or changed."""

    name: str
    kind: Literal["added", "removed", "changed"]
    old_index: int | None
    new_index: int | None
    moved: bool = False
    now_after: str | None = None  # for a moved filter: its neighbours in the new order
    now_before: str | None = None
    changes: tuple[ValueChange, ...] = ()  # filter-level keys: expression, filter_friendly_name, ...
    targets: tuple[TargetChange, ...] = ()
    filter: Mapping[str, Any] | None = None  # the whole filter for added / removed


@dataclass(frozen=True)
class Outcome:
    """Where one scenario's task goes: the first matching filter and the first target's queue."""

    filter: str | None
    queue: str | None
    workers: tuple[str, ...] = ()
    matched_default: bool = False


@dataclass(frozen=True)
class RoutingOutcome:
    scenario: str
    before: Outcome
    after: Outcome

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class SettingChange:
    """A stack setting the workflow document does not carry: a queue the stack declares, or a Flex flag.
    `changes` uses the config's key names (`targetWorkers`, `enabled`); a renamed queue has `old_name`."""

    subject: Literal["queue", "flag", "plugin"]
    name: str
    kind: Literal["added", "removed", "renamed", "changed"]
    old_name: str | None = None
    changes: tuple[ValueChange, ...] = ()


@dataclass(frozen=True)
class WorkflowDiff:
    filters: tuple[FilterChange, ...] = ()
    default_filter: TargetChange | None = None
    other: tuple[ValueChange, ...] = ()  # anything outside filters / default_filter, by JSON path
    queue_names: Mapping[str, str] = field(default_factory=dict)
    routing: tuple[RoutingOutcome, ...] | None = None
    settings: tuple[SettingChange, ...] = ()  # declared queues and Flex flags (`diff --stack` only)

    @property
    def has_changes(self) -> bool:
        return bool(self.filters or self.default_filter or self.other)

    @property
    def routing_changed(self) -> bool:
        return any(outcome.changed for outcome in self.routing or ())

    def with_routing(self, outcomes: Sequence[RoutingOutcome]) -> WorkflowDiff:
        return replace(self, routing=tuple(outcomes))

    def with_settings(self, changes: Sequence[SettingChange]) -> WorkflowDiff:
        return replace(self, settings=tuple(changes))


# --- comparing -------------------------------------------------------------------------------------


def diff_workflows(
    old: Mapping[str, Any], new: Mapping[str, Any], queue_names: Mapping[str, str] | None = None
) -> WorkflowDiff:
    """Compare two configuration documents (`{"task_routing": {...}}`), already parsed from JSON."""
    old_routing = _mapping(old.get("task_routing"))
    new_routing = _mapping(new.get("task_routing"))
    old_filters = _filters(old_routing)
    new_filters = _filters(new_routing)

    filter_changes = _diff_filters(old_filters, new_filters)
    default_change = _diff_target(
        0, old_routing.get("default_filter", MISSING), new_routing.get("default_filter", MISSING)
    )

    other: list[ValueChange] = []
    _diff_values("$", _without(old, "task_routing"), _without(new, "task_routing"), other)
    _diff_values(
        "$.task_routing",
        _without(old_routing, "filters", "default_filter"),
        _without(new_routing, "filters", "default_filter"),
        other,
    )
    return WorkflowDiff(
        filters=tuple(filter_changes),
        default_filter=default_change,
        other=tuple(other),
        queue_names=dict(queue_names or {}),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _filters(routing: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    filters = routing.get("filters")
    if not isinstance(filters, list):
        return []
    return [item if isinstance(item, Mapping) else {"expression": item} for item in filters]


def _without(document: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in keys}


def filter_label(item: Mapping[str, Any]) -> str:
    name = item.get("filter_friendly_name")
    if isinstance(name, str) and name:
        return name
    return f"(unnamed) {item.get('expression', '')}"


def _pairing_key(item: Mapping[str, Any]) -> tuple[str, str]:
    name = item.get("filter_friendly_name")
    if isinstance(name, str) and name:
        return ("name", name)
    return ("expression", json.dumps(item.get("expression"), sort_keys=True))


def _pair_filters(old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """Pairs (old index, new index); duplicates of a key pair up in order of appearance."""
    unclaimed: dict[tuple[str, str], list[int]] = {}
    for index, item in enumerate(new):
        unclaimed.setdefault(_pairing_key(item), []).append(index)
    pairs = []
    for index, item in enumerate(old):
        candidates = unclaimed.get(_pairing_key(item))
        if candidates:
            pairs.append((index, candidates.pop(0)))
    # An unnamed filter whose expression changed shows as removed + added: nothing else identifies it.
    return pairs


def _stable_pairs(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The largest set of pairs whose relative order is unchanged (longest increasing subsequence
    of new indices in old order); every other pair counts as moved. On ties the earlier filter
    stays put, so swapping two filters reports the second one as moved up."""
    count = len(pairs)
    best = [1] * count
    previous = [-1] * count
    for i in range(count):
        for j in range(i):
            if pairs[j][1] < pairs[i][1] and best[j] + 1 > best[i]:
                best[i], previous[i] = best[j] + 1, j
    if not count:
        return set()
    # Pick the first chain end reaching the maximum length: it keeps earlier filters.
    end = max(range(count), key=lambda i: (best[i], -i))
    stable = set()
    while end != -1:
        stable.add(pairs[end])
        end = previous[end]
    return stable


def _diff_filters(old: list[Mapping[str, Any]], new: list[Mapping[str, Any]]) -> list[FilterChange]:
    pairs = _pair_filters(old, new)
    stable = _stable_pairs(pairs)
    paired_old = {old_index for old_index, _ in pairs}
    paired_new = {new_index for _, new_index in pairs}

    changes: list[FilterChange] = []
    for old_index, new_index in pairs:
        before, after = old[old_index], new[new_index]
        value_changes: list[ValueChange] = []
        for key in _ordered_keys(before, after, exclude=("targets",)):
            old_value, new_value = before.get(key, MISSING), after.get(key, MISSING)
            if not _same(old_value, new_value):
                value_changes.append(ValueChange(key, old_value, new_value))
        target_changes = _diff_targets(before.get("targets"), after.get("targets"))
        moved = (old_index, new_index) not in stable
        if moved or value_changes or target_changes:
            changes.append(
                FilterChange(
                    name=filter_label(after),
                    kind="changed",
                    old_index=old_index,
                    new_index=new_index,
                    moved=moved,
                    changes=tuple(value_changes),
                    targets=tuple(target_changes),
                    now_after=filter_label(new[new_index - 1]) if moved and new_index > 0 else None,
                    now_before=filter_label(new[new_index + 1])
                    if moved and new_index + 1 < len(new)
                    else None,
                )
            )
    for index, item in enumerate(old):
        if index not in paired_old:
            changes.append(FilterChange(filter_label(item), "removed", index, None, filter=item))
    for index, item in enumerate(new):
        if index not in paired_new:
            changes.append(FilterChange(filter_label(item), "added", None, index, filter=item))
    # Reading order: where each filter sits now; removed ones where they used to be.
    changes.sort(key=lambda c: (c.new_index if c.new_index is not None else c.old_index, c.kind != "removed"))
    return changes


def _diff_targets(old: Any, new: Any) -> list[TargetChange]:
    old_targets = old if isinstance(old, list) else []
    new_targets = new if isinstance(new, list) else []
    changes = []
    for index in range(max(len(old_targets), len(new_targets))):
        before = old_targets[index] if index < len(old_targets) else MISSING
        after = new_targets[index] if index < len(new_targets) else MISSING
        change = _diff_target(index, before, after)
        if change:
            changes.append(change)
    return changes


def _diff_target(index: int, before: Any, after: Any) -> TargetChange | None:
    if before is MISSING and after is MISSING:
        return None
    if before is MISSING:
        return TargetChange(index, "added", target=_mapping(after) or {"value": after})
    if after is MISSING:
        return TargetChange(index, "removed", target=_mapping(before) or {"value": before})
    if not (isinstance(before, Mapping) and isinstance(after, Mapping)):
        return (
            None
            if _same(before, after)
            else TargetChange(index, "changed", (ValueChange("value", before, after),))
        )
    changes = tuple(
        ValueChange(key, before.get(key, MISSING), after.get(key, MISSING))
        for key in _ordered_keys(before, after)
        if not _same(before.get(key, MISSING), after.get(key, MISSING))
    )
    return TargetChange(index, "changed", changes) if changes else None


def _diff_values(path: str, old: Any, new: Any, out: list[ValueChange]) -> None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in _ordered_keys(old, new):
            _diff_values(f"{path}.{key}", old.get(key, MISSING), new.get(key, MISSING), out)
    elif not _same(old, new):
        out.append(ValueChange(path, old, new))


def _ordered_keys(
    before: Mapping[str, Any], after: Mapping[str, Any], exclude: tuple[str, ...] = ()
) -> list[str]:
    """Old keys in their order, then keys only the new side has: stable output whatever the input order."""
    keys = [key for key in before if key not in exclude]
    keys += [key for key in after if key not in before and key not in exclude]
    return keys


def _same(a: Any, b: Any) -> bool:
    # Compare as JSON values: `True` must not equal `1`, and key order never matters.
    if a is MISSING or b is MISSING:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# Declared-queue settings a review shows (config key, spec attribute, default); the workflow-side keys
# (timeout, priority, ...) already show as filter changes.
_QUEUE_SETTINGS = (
    ("targetWorkers", "target_workers", None),
    ("maxReservedWorkers", "max_reserved_workers", 1),
    ("taskOrder", "task_order", "FIFO"),
)
_FLAGS = ("enabled", "cold_transfer", "multi_participant")


def _queue_values(queue: TransferQueue) -> dict[str, Any]:
    values = {}
    for key, attribute, default in _QUEUE_SETTINGS:
        value = getattr(queue, attribute)
        values[key] = default if value is None else value
    return values


def _value_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[ValueChange, ...]:
    keys = dict.fromkeys([*old, *new])
    pairs = ((key, old.get(key, MISSING), new.get(key, MISSING)) for key in keys)
    return tuple(ValueChange(key, before, after) for key, before, after in pairs if not _same(before, after))


def diff_stack_settings(old: ChatTransferSpec | None, new: ChatTransferSpec | None) -> list[SettingChange]:
    """Declared queues (paired by name, or by `renamedFrom` for a rename) and Flex flags of two versions of
    a stack; a side that has no stack file (None) declares no queue and writes the default flags."""
    before = {queue.name: queue for queue in (old.declared_queues() if old else ())}
    after = {queue.name: queue for queue in (new.declared_queues() if new else ())}
    changes: list[SettingChange] = []
    paired: set[str] = set()
    for name, queue in after.items():
        if name in before:
            paired.add(name)
            values = _value_changes(_queue_values(before[name]), _queue_values(queue))
            if values:
                changes.append(SettingChange("queue", name, "changed", changes=values))
        elif queue.renamed_from in before and queue.renamed_from not in after:
            old_name = queue.renamed_from
            paired.add(old_name)
            values = _value_changes(_queue_values(before[old_name]), _queue_values(queue))
            changes.append(SettingChange("queue", name, "renamed", old_name, values))
        else:
            added = _value_changes({}, _queue_values(queue))
            changes.append(SettingChange("queue", name, "added", changes=added))
    for name, queue in before.items():
        if name not in paired:
            removed = _value_changes(_queue_values(queue), {})
            changes.append(SettingChange("queue", name, "removed", changes=removed))
    old_flags = old.features if old else Features()
    new_flags = new.features if new else Features()
    for flag in _FLAGS:
        if getattr(old_flags, flag) != getattr(new_flags, flag):
            change = ValueChange(flag, getattr(old_flags, flag), getattr(new_flags, flag))
            changes.append(SettingChange("flag", flag, "changed", changes=(change,)))
    return changes


def diff_plugin_settings(
    old: PluginSettings | None, new: PluginSettings | None, new_bundle_hash: str | None = None
) -> list[SettingChange]:
    """`chat-transfer:plugin` of two versions of a stack: the plugin added, removed or changed (name, bundle
    path, version; a version left out is derived at deploy time). `new_bundle_hash`: the content hash of the
    new side's bundle file when it is at hand (the working tree), shown so a reviewer sees which build goes
    out."""

    def values(settings: PluginSettings) -> dict[str, Any]:
        return {
            "name": settings.name,
            "bundle": settings.bundle,
            "version": settings.version or "derived (the patch after the latest)",
        }

    if old is None and new is None:
        return []
    before = values(old) if old else {}
    after = values(new) if new else {}
    changes = _value_changes(before, after)
    if not changes:
        return []
    if new_bundle_hash is not None and new is not None:
        changes += (ValueChange("bundle hash", MISSING, new_bundle_hash),)
    kind: Literal["added", "removed", "changed"] = (
        "added" if old is None else "removed" if new is None else "changed"
    )
    name = (new or old).name  # type: ignore[union-attr]
    return [SettingChange("plugin", name, kind, changes=changes)]


def routing_outcomes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    scenario_file: ScenarioFile,
    labels: tuple[str, str] = ("old", "new"),
) -> list[RoutingOutcome]:
    """Route every scenario's task through both configurations with the simulator, at one instant so
    time-of-day expressions agree. Workers are shown by name (the scenario file's workspace).
    A configuration the simulator cannot use raises ProblemsError naming the side (`labels`)."""
    workspace = scenario_file.workspace
    worker_names = {worker.sid: worker.name for worker in workspace.workers}
    instant = datetime.now(UTC)
    routers = []
    for label, document in zip(labels, (old, new), strict=True):
        try:
            routers.append(Router(dict(document), workspace, clock=lambda: instant))
        except ConfigurationError as error:
            # str(error) is "<path>: <what> (fix: <how>)"; keep its parts, name the side.
            what, _, hint = str(error).removeprefix(f"{error.path}: ").rpartition(" (fix: ")
            raise ProblemsError([Problem(f"{label}: {error.path}", what, hint.removesuffix(")"))]) from None

    def outcome(router: Router, task: Mapping[str, Any]) -> Outcome:
        routing: Routing = router.route(dict(task))
        return Outcome(
            routing.filter_name,
            routing.queue_name or routing.queue_sid,
            tuple(worker_names.get(sid, sid) for sid in routing.eligible_workers),
            routing.matched_default,
        )

    before, after = routers
    return [
        RoutingOutcome(scenario.name, outcome(before, scenario.task), outcome(after, scenario.task))
        for scenario in scenario_file.scenarios
    ]


# --- rendering -------------------------------------------------------------------------------------


class _Style:
    """How values and free text look in one output format; the sentences around them are shared."""

    def __init__(self, queue_names: Mapping[str, str]):
        self.queue_names = queue_names

    def plain(self, text: str) -> str:
        return text

    def code(self, text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    def literal(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def value(self, value: Any, key: str | None = None) -> str:
        if value is MISSING:
            return "(absent)"
        text = self.literal(value)
        if key in _QUEUE_KEYS and isinstance(value, str) and value in self.queue_names:
            text += f" ({self.plain(self.queue_names[value])})"
        return text


class _MarkdownStyle(_Style):
    def plain(self, text: str) -> str:
        """Safe inside a table cell: pipes and backslashes escaped, no HTML tags, no line breaks."""
        text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
        return text.replace("\n", " ")

    def code(self, text: str) -> str:
        fence = "``" if "`" in text else "`"
        pad = " " if fence == "``" else ""
        # GitHub needs the pipe escaped even inside a code span in a table.
        text = text.replace("|", "\\|").replace("\n", " ")
        return f"{fence}{pad}{text}{pad}{fence}"

    def literal(self, value: Any) -> str:
        return self.code(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))


def _summary_counts(diff: WorkflowDiff) -> str:
    counts = {"added": 0, "removed": 0, "moved": 0, "changed": 0}
    for change in diff.filters:
        if change.kind != "changed":
            counts[change.kind] += 1
            continue
        if change.moved:
            counts["moved"] += 1
        if change.changes or change.targets:
            counts["changed"] += 1
    parts = [f"{number} {kind}" for kind, number in counts.items() if number]
    if diff.default_filter:
        parts.append("default_filter changed")
    if diff.other:
        parts.append(f"{len(diff.other)} other value(s) changed")
    return ", ".join(parts)


def _target_summary(target: Mapping[str, Any], style: _Style) -> str:
    return ", ".join(f"{style.plain(key)} {style.value(value, key)}" for key, value in target.items())


def _change_line(label: str, item: ValueChange, style: _Style) -> str:
    return f"{label}: {style.value(item.old, item.key)} → {style.value(item.new, item.key)}"


def _target_lines(change: TargetChange, prefix: str, style: _Style) -> list[str]:
    """`prefix` names the target (`targets[1]`); empty for the default_filter, whose row says what it is."""
    if change.kind in ("added", "removed"):
        head = f"{prefix}: " if prefix else ""
        return [f"{head}{change.kind} ({_target_summary(change.target or {}, style)})"]
    dot = f"{prefix}." if prefix else ""
    return [_change_line(f"{dot}{style.plain(item.key)}", item, style) for item in change.changes]


def _filter_detail_lines(change: FilterChange, style: _Style) -> list[str]:
    """What a reviewer needs to know about one filter, one fact per line."""
    if change.kind in ("added", "removed"):
        item = change.filter or {}
        lines = [f"expression: {style.value(item.get('expression', MISSING), 'expression')}"]
        targets = item.get("targets")
        for index, target in enumerate(targets if isinstance(targets, list) else []):
            lines.append(f"targets[{index}]: {_target_summary(_mapping(target), style)}")
        return lines
    lines = []
    if change.moved:
        neighbours = []
        if change.now_after is not None:
            neighbours.append(f"after {style.code(change.now_after)}")
        if change.now_before is not None:
            neighbours.append(f"before {style.code(change.now_before)}")
        lines.append("now evaluated " + ", ".join(neighbours or ["alone"]))
    lines.extend(_change_line(style.plain(item.key), item, style) for item in change.changes)
    for target in change.targets:
        lines.extend(_target_lines(target, f"targets[{target.index}]", style))
    return lines


def _change_word(change: FilterChange) -> str:
    if change.kind == "added":
        return f"added at [{change.new_index}]"
    if change.kind == "removed":
        return f"removed from [{change.old_index}]"
    words = []
    if change.moved:
        words.append(f"moved [{change.old_index}] → [{change.new_index}]")
    if change.changes or change.targets:
        words.append(f"changed at [{change.new_index}]")
    return ", ".join(words)


def _outcome_text(outcome: Outcome, style: _Style) -> str:
    if outcome.matched_default:
        filter_part = "default_filter"
    elif outcome.filter is None:
        return "no filter matched"
    else:
        filter_part = style.code(outcome.filter)
    queue_part = style.plain(outcome.queue) if outcome.queue is not None else "no queue"
    text = f"{filter_part} → {queue_part}"
    text += f" ({style.plain(', '.join(outcome.workers))})" if outcome.workers else " (no eligible worker)"
    return text


def _ordered_outcomes(outcomes: Sequence[RoutingOutcome]) -> list[RoutingOutcome]:
    # Changed rows first; within each group, the scenario file's order.
    return [o for o in outcomes if o.changed] + [o for o in outcomes if not o.changed]


def _routing_heading(outcomes: Sequence[RoutingOutcome]) -> str:
    changed = sum(1 for outcome in outcomes if outcome.changed)
    return f"Routing outcomes: {changed} of {len(outcomes)} scenarios route differently"


def _setting_label(change: SettingChange, style: _Style) -> str:
    subject = {"queue": "queue", "flag": "Flex flag", "plugin": "Flex plugin"}[change.subject]
    return f"{subject} {style.code(change.name)}"


def _setting_word(change: SettingChange, style: _Style) -> str:
    return f"renamed from {style.code(change.old_name or '')}" if change.kind == "renamed" else change.kind


def _setting_details(change: SettingChange, style: _Style) -> list[str]:
    if change.subject == "flag":
        return [f"{style.value(item.old)} → {style.value(item.new)}" for item in change.changes]
    if change.subject == "plugin":
        return [
            f"{style.plain(item.key)} {style.value(item.new if item.old is MISSING else item.old)}"
            if item.old is MISSING or item.new is MISSING
            else _change_line(style.plain(item.key), item, style)
            for item in change.changes
        ]
    if change.kind == "renamed":
        same = "the same queue (same SID), renamed in place"
        return [same] + [_change_line(style.plain(item.key), item, style) for item in change.changes]
    if change.kind in ("added", "removed"):
        side = "new" if change.kind == "added" else "old"
        return [
            f"{style.plain(item.key)} {style.value(getattr(item, side), item.key)}" for item in change.changes
        ]
    return [_change_line(style.plain(item.key), item, style) for item in change.changes]


def _settings_heading(settings: Sequence[SettingChange]) -> str:
    if any(setting.subject == "plugin" for setting in settings):
        return "Declared queues, Flex flags and the Flex plugin"
    return "Declared queues and Flex flags"


def format_text(diff: WorkflowDiff) -> str:
    style = _Style(diff.queue_names)
    lines: list[str] = []
    if not diff.has_changes and not diff.settings:
        lines.append("no changes")
    elif not diff.has_changes:
        lines.append("Workflow changes: none")
    else:
        lines.append(f"Workflow changes: {_summary_counts(diff)}")
        for change in diff.filters:
            marker = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
            lines.append(f'{marker} filter "{change.name}": {_change_word(change)}')
            lines.extend(f"    {line}" for line in _filter_detail_lines(change, style))
        if diff.default_filter:
            lines.append(f"~ default_filter: {diff.default_filter.kind}")
            lines.extend(f"    {line}" for line in _target_lines(diff.default_filter, "", style))
        lines.extend(f"~ {_change_line(item.key, item, style)}" for item in diff.other)
    if diff.settings:
        lines += ["", f"{_settings_heading(diff.settings)}: {len(diff.settings)} changed"]
        for setting in diff.settings:
            marker = {"added": "+", "removed": "-", "renamed": "~", "changed": "~"}[setting.kind]
            lines.append(f"{marker} {_setting_label(setting, style)}: {_setting_word(setting, style)}")
            lines.extend(f"    {line}" for line in _setting_details(setting, style))
    if diff.routing is not None:
        lines += ["", _routing_heading(diff.routing)]
        for outcome in _ordered_outcomes(diff.routing):
            if outcome.changed:
                lines.append(
                    f'* "{outcome.scenario}": {_outcome_text(outcome.before, style)} '
                    f"⇒ {_outcome_text(outcome.after, style)}"
                )
            else:
                lines.append(f'  "{outcome.scenario}": unchanged, {_outcome_text(outcome.after, style)}')
    return "\n".join(lines) + "\n"


def format_markdown(diff: WorkflowDiff) -> str:
    style = _MarkdownStyle(diff.queue_names)
    lines = ["### Workflow changes", ""]
    if not diff.has_changes:
        lines.append("No changes.")
    else:
        lines.append(f"Summary: {_summary_counts(diff)}.")
        lines += ["", "| Filter | Change | Details |", "|---|---|---|"]
        for change in diff.filters:
            details = "<br>".join(_filter_detail_lines(change, style))
            lines.append(f"| {style.code(change.name)} | {_change_word(change)} | {details} |")
        if diff.default_filter:
            details = "<br>".join(_target_lines(diff.default_filter, "", style))
            lines.append(f"| default_filter | {diff.default_filter.kind} | {details} |")
        for item in diff.other:
            lines.append(f"| {style.code(item.key)} | changed | {_change_line('value', item, style)} |")
    if diff.settings:
        lines += ["", f"### {_settings_heading(diff.settings)}", ""]
        lines += ["| Setting | Change | Details |", "|---|---|---|"]
        for setting in diff.settings:
            details = "<br>".join(_setting_details(setting, style))
            label, word = _setting_label(setting, style), _setting_word(setting, style)
            lines.append(f"| {label} | {word} | {details} |")
    if diff.routing is not None:
        lines += ["", f"#### {_routing_heading(diff.routing)}", ""]
        lines += ["| Scenario | Before | After |", "|---|---|---|"]
        for outcome in _ordered_outcomes(diff.routing):
            scenario = style.plain(outcome.scenario)
            scenario = f"**{scenario}** (changed)" if outcome.changed else scenario
            lines.append(
                f"| {scenario} | {_outcome_text(outcome.before, style)} | "
                f"{_outcome_text(outcome.after, style)} |"
            )
    return "\n".join(lines) + "\n"
