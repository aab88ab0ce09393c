"""`python -m infra.twiliox <engine address>`: what bin/pulumi-resource-twiliox runs."""

import sys

from infra.twiliox.server import main

main(sys.argv[1:])
