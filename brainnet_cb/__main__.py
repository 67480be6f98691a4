"""``python -m brainnet_cb``: the same as the ``brainnet-cb`` command."""

from .cli.commands import main

if __name__ == "__main__":
    raise SystemExit(main())
