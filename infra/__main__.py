"""The chat-transfer Pulumi program (placeholder until the infra/ work lands: registers nothing)."""

import pulumi  # noqa: F401
