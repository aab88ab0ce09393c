"""A local Twilio: TaskRouter, Serverless, Flex, Conversations and IAM behind one HTTP server.

Start it with `twilio-sandbox serve` (sandbox/cli.py) or, in tests,
`flex_chat_transfer.sandbox.testing.SandboxProcess`.
Products are assembled in sandbox/app.py; how to add one is in sandbox/core/__init__.py.
"""
