"""`python -m flex_chat_transfer.infra.twiliox <engine address>`: what bin/pulumi-resource-twiliox runs."""

import sys

from flex_chat_transfer.infra.twiliox.server import main

main(sys.argv[1:])
