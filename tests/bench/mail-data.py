#!/usr/bin/env python3
"""The recipients and the checks of the mail benchmark (tests/bench/mail.sh).

usage: mail-data.py contacts LEADS > CSV
       mail-data.py users > USERS
       mail-data.py check DIR COUNT FROM
       mail-data.py envelopes DIR COUNT > LIST
       mail-data.py same SENT RECEIVED
       mail-data.py blast PORT LIST DIR
       mail-data.py mbox-count MBOX

contacts: gen-data's leads (LEADS, `gen-data leads N`) as the CSV
`sfa-contact import` reads: external_id (C and the row's number), the
names, email, phone, title, country, city, owner and a language from the
country. gen-data writes the names into the addresses as they are (CJK,
Cyrillic, accents) and sfa-mail refuses a local part that is not ASCII, so
each address is made again from an ASCII spelling of the name and the
row's number: unique, so that every contact is a recipient of its own. The
names stay as gen-data wrote them, for the subjects and To headers to
carry as encoded words.

users: config/users.json with the owners gen-data uses (rep01 .. rep40),
each with a name and an address, for {{owner.name}}.

check: DIR, where tests/smtp-sink.py kept what it was sent (NNNNNN.eml
with NNNNNN.env), holds COUNT messages, each to one recipient of its own,
from FROM, with a Message-ID of its own. Prints a summary; exits 1 with
the reason otherwise.

envelopes: the first COUNT messages of DIR, one a line, as
"NNNNNN.eml<TAB>from<TAB>to", for sending them again by other means.

same: the messages of RECEIVED are those of SENT, in order, byte for
byte and with the same envelope: prints "yes", or "no:" and the first
difference.

blast: the messages of LIST (an envelopes list of DIR) sent to the SMTP
server on 127.0.0.1:PORT over one connection with Python's smtplib: how
fast the server takes mail when the client costs next to nothing.

mbox-count: the messages in an mboxrd file.

contacts and users give the same bytes for the same input.
"""

import csv
import email.parser
import email.policy
import json
import os
import smtplib
import sys
import unicodedata

# Letters that NFKD does not take apart into ASCII.
TRANSLIT = {"ø": "o", "ß": "ss", "æ": "ae", "đ": "d", "ł": "l", "ı": "i", "œ": "oe", "þ": "th",
            "ð": "d"}
CYRILLIC = dict(zip("абвгдежзийклмнопрстуфхцчшщъьюяё",
                    ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                     "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "", "yu",
                     "ya", "yo"]))
LANGUAGE = {"US": "en", "GB": "en", "IN": "en", "CN": "zh", "TW": "zh-TW", "BG": "bg", "DE": "de",
            "FR": "fr", "BR": "pt-BR", "JP": "ja"}


def fail(text):
    sys.exit("mail-data.py: " + text)


def ascii_word(text):
    """An atom of an address made from a name: ASCII letters and digits, "x" when none."""
    out = []
    for ch in text.lower():
        ch = TRANSLIT.get(ch, CYRILLIC.get(ch, ch))
        out.extend(c for c in unicodedata.normalize("NFKD", ch) if c.isascii() and c.isalnum())
    return "".join(out) or "x"


def contacts(leads):
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["external_id", "first_name", "last_name", "email", "phone", "title", "country",
                "city", "owner", "language"])
    with open(leads, newline="", encoding="utf-8") as f:
        for n, r in enumerate(csv.DictReader(f)):
            domain = r["email"].rpartition("@")[2]
            if not domain.isascii():
                domain = "example.example"
            email = "%s.%s.%d@%s" % (ascii_word(r["first_name"]), ascii_word(r["last_name"]), n,
                                     domain)
            w.writerow(["C%07d" % n, r["first_name"], r["last_name"], email, r["phone"],
                        r["title"], r["country"], r["city"], r["owner"],
                        LANGUAGE.get(r["country"], "en")])


def users():
    first = ["Ana", "Ben", "Chiara", "Dev", "Emil", "Fiona", "Goran", "Hana"]
    last = ["Lindqvist", "Okafor", "Rossi", "Patel", "Novak", "Byrne", "Petrov", "Sato"]
    out = {}
    for i in range(1, 41):
        out["rep%02d" % i] = {"name": "%s %s" % (first[i % 8], last[i * 3 % 8]),
                              "email": "rep%02d@example.com" % i, "role": "rep", "team": "field"}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


def messages(directory):
    """The .eml files of a sink's directory, in the order the sink kept them."""
    names = [n for n in os.listdir(directory) if n.endswith(".eml")]
    return sorted(names, key=lambda n: int(n[:-4]))


def envelope(directory, name):
    with open(os.path.join(directory, name[:-4] + ".env")) as f:
        return json.load(f)


def check(directory, count, sender):
    names = messages(directory)
    if len(names) != count:
        fail("%s: the server got %d messages, not %d" % (directory, len(names), count))
    rcpts, ids, size = set(), set(), 0
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for name in names:
        env = envelope(directory, name)
        if env["mail_from"] != sender:
            fail("%s: envelope sender %r, not %r" % (name, env["mail_from"], sender))
        if len(env["rcpt_tos"]) != 1:
            fail("%s: %d recipients" % (name, len(env["rcpt_tos"])))
        rcpts.add(env["rcpt_tos"][0].lower())
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        size += len(data)
        ids.add(parser.parsebytes(data)["Message-ID"])
    if len(rcpts) != count:
        fail("%s: %d messages to %d recipients" % (directory, count, len(rcpts)))
    if None in ids or len(ids) != count:
        fail("%s: %d messages with %d Message-IDs" % (directory, count, len(ids - {None})))
    print("%d messages, %d recipients, %d Message-IDs, %d bytes" % (count, len(rcpts), len(ids),
                                                                   size))


def envelopes(directory, count):
    names = messages(directory)[:count]
    if len(names) < count:
        fail("%s holds %d messages, not %d" % (directory, len(names), count))
    for name in names:
        env = envelope(directory, name)
        print("%s\t%s\t%s" % (name, env["mail_from"], env["rcpt_tos"][0]))


def same(sent, received):
    a, b = messages(sent), messages(received)
    if len(a) != len(b):
        print("no: %d messages sent, %d received" % (len(a), len(b)))
        return
    for x, y in zip(a, b):
        if envelope(sent, x) != envelope(received, y):
            print("no: the envelope of %s differs from that of %s" % (y, x))
            return
        with open(os.path.join(sent, x), "rb") as f, open(os.path.join(received, y), "rb") as g:
            if f.read() != g.read():
                print("no: %s/%s differs from %s/%s" % (received, y, sent, x))
                return
    print("yes")


def blast(port, listing, directory):
    with open(listing) as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    todo = []
    for name, sender, rcpt in rows:
        with open(os.path.join(directory, name), "rb") as f:
            todo.append((sender, rcpt, f.read()))
    with smtplib.SMTP("127.0.0.1", port) as s:
        for sender, rcpt, data in todo:
            s.sendmail(sender, [rcpt], data)


def mbox_count(path):
    # mboxrd: a body line that starts "From " is written ">From ", so each
    # line that starts "From " starts a message.
    n = 0
    with open(path, "rb") as f:
        for line in f:
            n += line.startswith(b"From ")
    print(n)


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if cmd == "contacts" and len(args) == 1:
        contacts(args[0])
    elif cmd == "users" and not args:
        users()
    elif cmd == "check" and len(args) == 3:
        check(args[0], int(args[1]), args[2])
    elif cmd == "envelopes" and len(args) == 2:
        envelopes(args[0], int(args[1]))
    elif cmd == "same" and len(args) == 2:
        same(args[0], args[1])
    elif cmd == "blast" and len(args) == 3:
        blast(int(args[0]), args[1], args[2])
    elif cmd == "mbox-count" and len(args) == 1:
        mbox_count(args[0])
    else:
        sys.exit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main(sys.argv)
