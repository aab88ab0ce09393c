"""`twiliox`: this project's Pulumi resource provider for the Twilio objects chat-transfer manages.

The name is not `twilio` on purpose: an official `pulumi-twilio` package would own that name (its plugin,
its type
tokens `twilio:…` and its config namespace), and the two must be able to sit in one program without colliding.
Type tokens are `twiliox:<product>:<Kind>` (`twiliox:taskrouter:Workflow`, `twiliox:serverless:Function`, …).

The plugin is served by the pinned `pulumi` SDK's own provider server (`pulumi.provider.experimental`); the
engine
starts it from this repository through `plugins.providers` in Pulumi.yaml
(infra/twiliox/bin/pulumi-resource-twiliox),
nothing is downloaded.
"""

PACKAGE = "twiliox"
VERSION = "0.1.0"
# The one explicit provider the program registers per account (its URN is part of every import command).
PROVIDER_NAME = "twilio"
# Twilio calls one provider makes at once (stack config twilio:concurrency, 1-64), like the peer's default.
DEFAULT_CONCURRENCY = 10
MAX_CONCURRENCY = 64
# Credential setting → the stack config key it is read from (the provider's config namespace is `twilio`).
CONFIG_KEYS = {
    "account_sid": "twilio:accountSid",
    "auth_token": "twilio:authToken",
    "api_key": "twilio:apiKey",
    "api_secret": "twilio:apiSecret",
}
