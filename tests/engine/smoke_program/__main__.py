"""One Python dynamic resource: proves the engine, the language host and the provider launcher work."""

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult


class EchoProvider(ResourceProvider):
    """Stores its inputs as outputs; the id is derived from the name so re-runs are stable."""

    def create(self, props):
        return CreateResult(id_="echo-" + props["message"], outs=dict(props))

    def diff(self, _id, olds, news):
        changed = olds.get("message") != news.get("message")
        return DiffResult(changes=changed)

    def update(self, _id, _olds, news):
        return UpdateResult(outs=dict(news))

    def delete(self, _id, _props):
        pass


class Echo(Resource):
    message: pulumi.Output[str]

    def __init__(self, name, message, opts=None):
        super().__init__(EchoProvider(), name, {"message": message}, opts)


echo = Echo("smoke", pulumi.Config().get("message") or "hello")
pulumi.export("message", echo.message)
pulumi.export("echo_id", echo.id)
