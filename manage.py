#!/usr/bin/env python
"""Django's command-line utility for Divan."""

import os
import sys

# Commands that need PostgreSQL and Redis check for them first and say which variable to set.
COMMANDS_NEEDING_SERVICES = {"runserver", "migrate", "seed_demo", "createsuperuser", "shell"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS_NEEDING_SERVICES:
        import django

        django.setup()
        from divan.startup import exit_unless_services_reachable

        exit_unless_services_reachable()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
