#!/usr/bin/python3
"""smtp-sink.py - an SMTP server on loopback that keeps what it is sent.

    smtp-sink.py --port-file F --dir D [--fail-rcpt ADDR=CODE]...
                 [--fail-once ADDR=CODE]... [--drop-after-data N] [--auth USER:PASS]

Listens on a free port of 127.0.0.1 and writes the port to F once it
accepts connections. Every message accepted is kept in D as NNNNNN.eml,
the bytes after DATA as they came (dot-stuffing undone, CRLF kept), with
its envelope in NNNNNN.env as JSON {"mail_from": ..., "rcpt_tos": [...]}.
Numbering goes on after the files already in D, so a sink restarted on
the same directory adds to it.

--fail-rcpt ADDR=CODE	RCPT TO:<ADDR> is answered CODE (550, 451, ...)
--fail-once ADDR=CODE	the same, the first time only
--drop-after-data N	the Nth message (from 1) is kept, then the connection
			is closed without a reply: the sender cannot know
--auth USER:PASS	AUTH PLAIN or LOGIN with these is required (no TLS:
			this is loopback)

SIGTERM or SIGINT stops it (exit 0). Uses Debian's python3-aiosmtpd.
"""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLIES = {
    "4": "{} 4.3.0 try again later",
    "5": "{} 5.1.1 mailbox unavailable",
}


def addr_code(text):
    addr, sep, code = text.rpartition("=")
    if not sep or not addr or not (len(code) == 3 and code.isdigit() and code[0] in "45"):
        raise argparse.ArgumentTypeError("expected ADDR=CODE with a 4xx or 5xx code: %r" % text)
    return addr.lower(), REPLIES[code[0]].format(code)


class Sink:
    def __init__(self, args):
        self.dir = args.dir
        self.fail = dict(args.fail_rcpt)
        self.fail_once = dict(args.fail_once)
        self.drop_after = args.drop_after_data
        self.received = 0
        names = [n for n in os.listdir(self.dir) if n.endswith(".eml")]
        self.last = max((int(n[:-4]) for n in names), default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        key = address.lower()
        if key in self.fail:
            return self.fail[key]
        if key in self.fail_once:
            return self.fail_once.pop(key)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        self.last += 1
        base = os.path.join(self.dir, "%06d" % self.last)
        env = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        # Renamed into place, the .eml last: a reader never sees half a message.
        write(base + ".env", json.dumps(env).encode())
        write(base + ".eml", envelope.original_content)
        print("smtp-sink: stored %06d" % self.last, file=sys.stderr, flush=True)
        if self.received == self.drop_after:
            server.transport.close()
            # The connection is gone; closing it cancels this handler.
            await asyncio.Event().wait()
        return "250 2.0.0 OK queued as %06d" % self.last


def write(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user
              and auth_data.password == password)
        # handled=False: aiosmtpd answers 535 itself.
        return AuthResult(success=ok, handled=False)
    return check


async def serve(args):
    sink = Sink(args)
    options = {"decode_data": False, "hostname": "sink.test"}
    if args.auth:
        user, _, password = args.auth.partition(":")
        options.update(authenticator=authenticator(user.encode(), password.encode()),
                       auth_required=True, auth_require_tls=False)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(sink, **options), "127.0.0.1", 0)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    port = server.sockets[0].getsockname()[1]
    write(args.port_file, b"%d\n" % port)
    await stop.wait()
    server.close()


def main():
    p = argparse.ArgumentParser(description="An SMTP server on loopback for the tests.")
    p.add_argument("--port-file", required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--fail-rcpt", type=addr_code, action="append", default=[])
    p.add_argument("--fail-once", type=addr_code, action="append", default=[])
    p.add_argument("--drop-after-data", type=int, default=0, metavar="N")
    p.add_argument("--auth", metavar="USER:PASS")
    args = p.parse_args()
    # AUTH without TLS is what --auth asks for: no warning about it each time.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
