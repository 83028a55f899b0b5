"""scraper's command line, for running it from a checkout without installing it:
``python cli.py fetch URL``. The command line lives in :mod:`scraper.cli`; the installed
``scraper`` command and ``python -m scraper`` run that same module. This file only
re-exports it (tests and old scripts import ``cli``)."""

from scraper.cli import (  # noqa: F401 - re-exported
    EXIT_ARCHIVE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    cli,
    main,
)

if __name__ == "__main__":
    main()
