"""Create the database named in DATABASE_URL if the server does not have it yet."""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the PostgreSQL database of DATABASE_URL when it is missing."

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        params = {
            "host": database.get("HOST") or None,
            "port": database.get("PORT") or None,
            "user": database.get("USER") or None,
            "password": database.get("PASSWORD") or None,
            "dbname": "postgres",
            "connect_timeout": 5,
        }
        name = database["NAME"]
        try:
            with psycopg.connect(**params, autocommit=True) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if exists:
                    self.stdout.write(f"Database {name!r} exists.")
                    return
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.OperationalError as error:
            reason = str(error).strip().splitlines()[-1]
            raise CommandError(
                f"cannot reach PostgreSQL at {params['host']}:{params['port'] or 5432} "
                f"({reason}): set DATABASE_URL."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Created database {name!r}."))
