"""`python -m flex_chat_transfer.infra.twiliox <engine address>`: what bin/pulumi-resource-twiliox runs;
`main` is also the `pulumi-resource-twiliox` console script an installed wheel puts in its virtualenv's
bin/."""

import sys

from flex_chat_transfer.infra.twiliox.server import main as serve


def main() -> None:
    serve(sys.argv[1:])


if __name__ == "__main__":
    main()
