"""``python -m sharedsky``: the same as the ``sharedsky`` command."""

from sharedsky.cli import main

if __name__ == "__main__":
    main()
