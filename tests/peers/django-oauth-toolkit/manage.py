#!/usr/bin/env python3
"""Django's command-line entry point for the peer project (serve.py is the usual way in).

Run from a shell, it gets a fresh temporary database and signing key like serve.py
does, so commands such as `check` or `showmigrations` work but keep nothing.
"""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
