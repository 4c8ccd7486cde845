"""A local SMTP server that catches every mail Divan sends: make run's and docker compose's
`mail` process. Each mail is printed (headers and text) and kept as an .eml file."""

import signal
import socket
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from divan.smtp import Inbox, SMTPServer


class Command(BaseCommand):
    help = "Catch Divan's mail on a local SMTP port: print each mail and keep it as a file."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / ".run" / "mail"),
            help="where each mail is kept as an .eml file (default: .run/mail)",
        )

    def handle(self, *args, host, port, dir, **options):
        folder = Path(dir)
        folder.mkdir(parents=True, exist_ok=True)

        def keep(message, raw: bytes):
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            path = folder / f"{stamp}.eml"
            path.write_bytes(raw)
            body = message.get_body(preferencelist=("plain", "html"))
            text = body.get_content() if body is not None else ""
            self.stdout.write(
                f"--- mail to {message['To']}: {message['Subject']}\n{text.rstrip()}\n"
                f"--- kept as {path}\n"
            )
            self.stdout.flush()

        sock = socket.create_server((host, port))
        server = SMTPServer(Inbox(on_message=keep), sock=sock)
        server.start()
        self.stdout.write(f"catching mail on {host}:{port}; each is kept in {folder}/")
        self.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        stop.wait()
        server.stop()
