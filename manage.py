#!/usr/bin/env python
"""Django's manage.py; the installed equivalent is the `motcua` command."""

from motcua.cli import main

if __name__ == "__main__":
    main()
