#!/usr/bin/python3
"""git-https.py - a git server over HTTPS on loopback for the scenario tests.

    git-https.py --root DIR --cert F --key F --users F --port-file F [--log F]

Serves the bare repositories under DIR with git's smart HTTP protocol, as
a web server does with git-http-backend(1) as a CGI program: every
request runs `git http-backend` with GIT_PROJECT_ROOT=DIR and
GIT_HTTP_EXPORT_ALL=1, its body streamed to the backend and the backend's
answer (its Status: header honoured) streamed back. Request bodies may
come with a Content-Length or chunked (libgit2 sends pushes chunked).

Every request must carry HTTP Basic credentials of a line user:password
of the users file, read again on each request so that users can be added
while the server runs; otherwise the answer is 401 with a
WWW-Authenticate challenge. The backend gets REMOTE_USER, the user who
logged in: it enables pushes (git-receive-pack) and tells the
repository's pre-receive hook, such as sfa verify, who pushes. Like a
web server's CGI programs, the backend gets a small environment of its
own, not the server's, so that nothing in the server's environment (an
SFA_USER, say) can pose as the user who pushes.

It listens on a free port of 127.0.0.1, over TLS with the certificate and
key of --cert and --key (PEM), and writes the port to the port file once
it accepts connections. The requests, their users and answers, and what
the backend prints on its standard error go to the --log file.

SIGTERM or SIGINT stops it. Python's standard library only.
"""

import argparse
import base64
import hmac
import os
import signal
import ssl
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What the backend inherits from the server's environment, when set.
PASSED_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "GIT_CONFIG_NOSYSTEM")
COPY_SIZE = 65536


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8", errors="replace") if path else None

    def write(self, text):
        if not self.f:
            return
        with self.lock:
            for line in text.rstrip("\n").split("\n"):
                self.f.write(line + "\n")
            self.f.flush()


def read_users(path):
    users = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\r\n")
                user, sep, password = line.partition(":")
                if sep and user:
                    users[user] = password
    except FileNotFoundError:
        pass
    return users


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "git-https.py"

    def log_message(self, fmt, *args):
        self.server.log.write("%s %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def user(self):
        """The user of valid Basic credentials, else None."""
        auth = self.headers.get("Authorization", "")
        scheme, _, blob = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(blob.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        known = read_users(self.server.users)
        if not sep or user not in known:
            return None
        if not hmac.compare_digest(known[user].encode("utf-8"), password.encode("utf-8")):
            return None
        return user

    def refuse(self, code, text, extra=()):
        body = (text + "\n").encode("utf-8")
        # The body of the request is not read: the connection cannot be reused.
        self.close_connection = True
        self.send_response(code)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def body_chunks(self):
        """The request body, as it comes: by Content-Length or chunked."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                line = self.rfile.readline(1024)
                if not line.endswith(b"\n"):
                    raise BadRequest("bad chunk size line")
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size %r" % line)
                if size < 0:
                    raise BadRequest("bad chunk size %r" % line)
                if size == 0:
                    # trailers, up to the empty line
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                while size:
                    data = self.rfile.read(min(size, COPY_SIZE))
                    if not data:
                        raise BadRequest("the request body ends early")
                    size -= len(data)
                    yield data
                if self.rfile.readline(8) not in (b"\r\n", b"\n"):
                    raise BadRequest("no line end after a chunk")
        else:
            left = int(self.headers.get("Content-Length", "0") or "0")
            while left > 0:
                data = self.rfile.read(min(left, COPY_SIZE))
                if not data:
                    raise BadRequest("the request body ends early")
                left -= len(data)
                yield data

    def cgi_env(self, user, path, query):
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update({
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": self.server_version,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "HTTPS": "on",
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_USER": user,
            "AUTH_TYPE": "Basic",
        })
        if self.headers.get("Content-Type"):
            env["CONTENT_TYPE"] = self.headers["Content-Type"]
        # Chunked: no CONTENT_LENGTH, and the backend reads to the end of its input.
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower() and self.headers.get("Content-Length"):
            env["CONTENT_LENGTH"] = self.headers["Content-Length"]
        for header in ("Content-Encoding", "Git-Protocol"):
            if self.headers.get(header):
                env["HTTP_" + header.upper().replace("-", "_")] = self.headers[header]
        return env

    def feed(self, proc, failed):
        try:
            for data in self.body_chunks():
                proc.stdin.write(data)
        except BadRequest as e:
            failed.append(str(e))
        except (BrokenPipeError, OSError) as e:
            failed.append("the backend's input: %s" % e)
        finally:
            try:
                proc.stdin.close()
            except OSError:
                pass

    def drain_stderr(self, proc):
        for line in proc.stderr:
            self.server.log.write("backend: " + line.decode("utf-8", "replace"))

    def serve(self):
        user = self.user()
        if user is None:
            self.refuse(401, "authentication required", [("WWW-Authenticate", 'Basic realm="sfa test git"')])
            return
        raw_path, _, query = self.path.partition("?")
        path = urllib.parse.unquote(raw_path)
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        self.server.log.write("%s %s%s as %s" % (self.command, self.path, " (chunked)" if chunked else "", user))
        proc = subprocess.Popen(["git", "http-backend"], env=self.cgi_env(user, path, query),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        failed = []
        feeder = threading.Thread(target=self.feed, args=(proc, failed), daemon=True)
        errors = threading.Thread(target=self.drain_stderr, args=(proc,), daemon=True)
        feeder.start()
        errors.start()
        try:
            self.relay(proc)
        finally:
            proc.stdout.close()
            feeder.join()
            errors.join()
            rc = proc.wait()
            if rc or failed:
                self.server.log.write("backend exit %d %s" % (rc, "; ".join(failed)))
                self.close_connection = True

    def relay(self, proc):
        """The backend's CGI headers as the response's, then its body, chunked."""
        status, headers = "200 OK", []
        while True:
            line = proc.stdout.readline()
            if not line:
                self.refuse(502, "the backend ended without an answer")
                return
            line = line.decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            value = value.strip()
            if name.lower() == "status":
                status = value
            else:
                headers.append((name, value))
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason or None)
        length = None
        for name, value in headers:
            if name.lower() == "content-length":
                length = value
            self.send_header(name, value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while True:
            data = proc.stdout.read1(COPY_SIZE)
            if not data:
                break
            if length is None:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                self.wfile.write(data)
        if length is None:
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, args):
        self.root = os.path.abspath(args.root)
        self.users = args.users
        self.log = Log(args.log)
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(args.cert, args.key)
        super().__init__(("127.0.0.1", 0), Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake in the connection's own thread, not in the accepting one.
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.log.write("%s TLS handshake failed: %s" % (client_address[0], e))
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        self.log.write("%s error: %s" % (client_address[0], sys.exc_info()[1]))


def main():
    p = argparse.ArgumentParser(description="a git server over HTTPS for the tests")
    p.add_argument("--root", required=True, help="the folder of the repositories")
    p.add_argument("--cert", required=True, help="the server's certificate (PEM)")
    p.add_argument("--key", required=True, help="its private key (PEM)")
    p.add_argument("--users", required=True, help="a file of lines user:password")
    p.add_argument("--port-file", required=True, help="where the port is written once listening")
    p.add_argument("--log", help="a file the requests and the backend's errors are added to")
    args = p.parse_args()

    server = Server(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    server.log.write("listening on 127.0.0.1 port %d, root %s" % (server.server_address[1], server.root))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    server.server_close()


if __name__ == "__main__":
    main()
