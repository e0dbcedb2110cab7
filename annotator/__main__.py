"""Entry point: no subcommand opens the GUI, a subcommand runs headless."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    # Only global options (or none) means the GUI; anything else is the command line.
    from annotator.cli import wants_gui

    if wants_gui(args):
        from annotator.app import run

        return run(args)
    from annotator.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
