"""Every resource kind of the provider, by type token: the one declaration of each kind's properties, which
the server dispatches to, the schema describes (`schema.py`) and the program's classes take their keyword
arguments and outputs from (`resources.py`)."""

from __future__ import annotations

from infra.twiliox.base import Kind
from infra.twiliox.build import Build
from infra.twiliox.deployment import Deployment
from infra.twiliox.environment import Environment
from infra.twiliox.flex import ConfigurationKeys
from infra.twiliox.function import Function
from infra.twiliox.plugin_kinds import PLUGIN_KINDS
from infra.twiliox.service import Service
from infra.twiliox.taskqueue import TaskQueue
from infra.twiliox.variable import Variable
from infra.twiliox.workflow import Workflow

KINDS: dict[str, Kind] = {
    kind.token: kind
    for kind in (
        Workflow(),
        TaskQueue(),
        Service(),
        Environment(),
        Function(),
        Build(),
        Deployment(),
        Variable(),
        ConfigurationKeys(),
        *PLUGIN_KINDS,
    )
}
