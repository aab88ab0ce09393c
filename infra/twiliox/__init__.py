"""`twiliox`: this project's Pulumi resource provider for the Twilio objects chat-transfer manages.

The name is not `twilio` on purpose: an official `pulumi-twilio` package would own that name (its plugin, its
type tokens `twilio:…` and its config namespace), and the two must be able to sit in one program without
colliding. Type tokens are `twiliox:<product>:<Kind>` (`twiliox:taskrouter:Workflow`,
`twiliox:serverless:Function`, …).

The plugin is served by the pinned `pulumi` SDK's own provider server (`pulumi.provider.experimental`); the
engine starts it from this repository through `plugins.providers` in Pulumi.yaml
(infra/twiliox/bin/pulumi-resource-twiliox): nothing is downloaded.

The program uses only this package's public face: `PACKAGE`, `VERSION`, `PROVIDER_NAME` here and the resource
classes of `flex_chat_transfer.infra.twiliox.resources`.
"""

PACKAGE = "twiliox"
VERSION = "0.1.0"
# The one explicit provider the program registers per account (its URN is part of every import command).
PROVIDER_NAME = "twilio"
