"""Every resource kind of the provider, by type token: the one declaration of each kind's properties, which
the server dispatches to, the schema describes (`schema.py`) and the program's classes take their keyword
arguments and outputs from (`resources.py`)."""

from __future__ import annotations

from flex_chat_transfer.infra.twiliox.base import Kind
from flex_chat_transfer.infra.twiliox.build import Build
from flex_chat_transfer.infra.twiliox.deployment import Deployment
from flex_chat_transfer.infra.twiliox.environment import Environment
from flex_chat_transfer.infra.twiliox.flex import ConfigurationKeys
from flex_chat_transfer.infra.twiliox.function import Function
from flex_chat_transfer.infra.twiliox.plugin_kinds import PLUGIN_KINDS
from flex_chat_transfer.infra.twiliox.service import Service
from flex_chat_transfer.infra.twiliox.taskqueue import TaskQueue
from flex_chat_transfer.infra.twiliox.variable import Variable
from flex_chat_transfer.infra.twiliox.workflow import Workflow

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
