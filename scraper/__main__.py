"""``python -m scraper``: the same command line as the installed ``scraper``."""

from scraper.cli import main

if __name__ == "__main__":
    main()
