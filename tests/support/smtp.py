"""A real SMTP server for tests: aiosmtpd in a thread, keeping what it receives."""

import email
import socket
import threading
from email.policy import default

from aiosmtpd.controller import Controller

# Arabic emails isolate their numbers and dates between LRI and PDI; a reader does not see them.
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.replies: list[str] = []  # forced replies to the next DATA commands, e.g. "451 ..."
        self.received = threading.Event()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        self.received.set()
        return "250 OK"

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    def settings(self) -> dict:
        return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}

    @staticmethod
    def text(message) -> str:
        """The plain-text body as a person reads it (without the invisible isolates)."""
        return message.get_body(preferencelist=("plain",)).get_content().translate(ISOLATES)

    @staticmethod
    def subject(message) -> str:
        return message["Subject"].translate(ISOLATES)
