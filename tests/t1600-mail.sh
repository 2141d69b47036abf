#!/bin/sh
# sfa-mail: templates in the store (add, list, show, check with file:line),
# a campaign merged in German, Chinese and Bulgarian and sent to a real SMTP
# server on loopback (tests/smtp-sink.py), read back with Python's email
# package; the skipped listed with a reason; never twice (reruns, a lost
# reply, a server killed mid-run, the sender killed mid-run); 4xx retried,
# 5xx failed; AUTH; --dry-run, --mbox, --maildir; the activities each mail
# becomes; reminders to the owners; a quote attached as PDF; header
# injection; ingest of replies, unknown senders, encoded subjects, acks
# with tracking numbers and duplicates.

. "$(dirname "$0")/lib.sh"

unset SFA_REP
SFA_NOW=2026-11-20T10:00:00Z
export SFA_NOW

# The sink needs Debian's python3-aiosmtpd, installed for /usr/bin/python3
# (which also starts faster than a python3 found through a version manager).
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	echo "Bail out! python3-aiosmtpd is missing (make deps)"
	exit 1
fi

# --- SMTP sinks -----------------------------------------------------------------------------
#
# A sink NAME keeps its messages in $tmp/NAME (NNNNNN.eml and .env), says
# what it did in $tmp/NAME.log and its URL is in $tmp/NAME.url. Every
# process a test starts in the background has its pid in $tmp/*.pid, so
# that the script's exit stops whatever a failing test left running.

# sink_start NAME [smtp-sink.py option...]
sink_start () {
	_ss=$tmp/$1
	shift
	rm -f "$_ss.port" "$_ss.url"
	"$PYTHON" "$TEST_DIRECTORY/smtp-sink.py" --port-file "$_ss.port" --dir "$_ss" "$@" \
		</dev/null >>"$_ss.log" 2>&1 4>&- &
	echo $! >"$_ss.pid"
	_ss_n=0
	while ! [ -s "$_ss.port" ]; do
		if ! kill -0 "$(cat "$_ss.pid")" 2>/dev/null; then
			say_ "sink_start: the sink exited:"
			cat "$_ss.log" >&4
			return 1
		fi
		_ss_n=$((_ss_n + 1))
		if [ $_ss_n -gt 300 ]; then
			say_ "sink_start: no port after 30 s"
			return 1
		fi
		sleep 0.1
	done
	printf 'smtp://127.0.0.1:%s\n' "$(cat "$_ss.port")" >"$_ss.url"
}

# proc_stop NAME [SIGNAL]: stop the process of $tmp/NAME.pid and wait for it.
proc_stop () {
	[ -f "$tmp/$1.pid" ] || return 0
	_ps_pid=$(cat "$tmp/$1.pid")
	kill "-${2:-TERM}" "$_ps_pid" 2>/dev/null || :
	# our own child is reaped here; another test's is reparented and reaped
	wait "$_ps_pid" 2>/dev/null || :
	_ps_n=0
	while kill -0 "$_ps_pid" 2>/dev/null && [ $_ps_n -lt 100 ]; do
		_ps_n=$((_ps_n + 1))
		sleep 0.1
	done
	rm -f "$tmp/$1.pid"
}

sink_url () {
	cat "$tmp/$1.url"
}

# sink_count NAME: the number of messages the sink kept.
sink_count () {
	find "$tmp/$1" -name '*.eml' 2>/dev/null | wc -l | tr -d ' '
}

# wait_count NAME N: wait (30 s at most) until the sink kept N messages.
wait_count () {
	_wc_n=0
	while [ "$(sink_count "$1")" -lt "$2" ]; do
		_wc_n=$((_wc_n + 1))
		if [ $_wc_n -gt 300 ]; then
			say_ "wait_count: $1 has $(sink_count "$1") messages, not $2"
			return 1
		fi
		sleep 0.1
	done
}

stop_all_ () {
	for _sa in "$tmp"/*.pid; do
		[ -f "$_sa" ] || continue
		_sa=${_sa##*/}
		proc_stop "${_sa%.pid}" 2>/dev/null
	done
}
trap 'stop_all_; test_cleanup_' EXIT

# --- reading mail back ----------------------------------------------------------------------

# mail.py COMMAND ...: messages and command output read back with Python's
# email package (policy=email.policy.default decodes encoded words).
#	rows FILE [COL...]	the rows of JSON or NDJSON output, columns joined
#				by "|" (default: email status reason)
#	hdr EML NAME		a header, decoded ("-" when absent)
#	addr EML NAME		its addresses as "display name <address>"
#	text EML, html EML	the decoded text/plain or text/html body, LF line ends
#	type EML		the MIME tree: content type, charset, file name
#	headers EML		the name of every header field, one a line
#	lint EML...		CRLF only, lines of at most 998 octets, 7-bit
#				headers, one Date/From/To/Subject/Message-ID,
#				MIME-Version, no MIME defects
#	find DIR ADDR		the .eml files sent to ADDR (by envelope)
#	ids DIR...		"recipient message-id" for every message kept
#	attach EML DIR		each attachment as "name type", saved into DIR
#	mbox FILE, maildir DIR	"message-id subject" of every message
#	pick FILE FIELD=VALUE...  the one record of JSON output matching all
#	count FILE FIELD=VALUE... how many records match
#	check FILE CHECK...	FILE is one JSON record; CHECK: FIELD=TEXT,
#				FIELD:=JSON, FIELD=- (absent), FIELD~=REGEX,
#				FIELD@=MESSAGE-ID (with or without <>)
#	build OUT KEY=VALUE...	an incoming message (from, subject, subject_enc
#				b-utf8|iso-2022-jp, date, message_id, in_reply_to,
#				body, charset, cte base64)
#	once LIST --rows FILE... --dirs DIR... [--acts FILE]
#				every address of LIST got exactly one message
#				(one whose row said "unknown" zero or one), no
#				Message-ID twice; with --acts, each message one
#				activity with its Message-ID (an unknown one's
#				zero or one)
cat >mail.py <<'EOF'
import base64, email, email.policy, email.utils, json, mailbox, os, re, sys
from email.header import Header

P = email.policy.default


def die(msg):
    sys.exit("mail.py: " + msg)


def load(path):
    with open(path, "rb") as f:
        return email.message_from_bytes(f.read(), policy=P)


def records(path):
    data = open(path, encoding="utf-8").read().strip()
    if not data:
        return []
    if data.startswith("["):
        return json.loads(data)
    return [json.loads(l) for l in data.splitlines() if l.strip()]


def text(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def bare(mid):
    return (mid or "").strip().strip("<>")


def matches(rec, conds):
    for c in conds:
        k, v = c.split("=", 1)
        if text(rec.get(k)) != v:
            return False
    return True


def body(msg, sub):
    part = msg.get_body(preferencelist=(sub,))
    if part is None or part.get_content_type() != "text/" + sub:
        die("no text/%s body" % sub)
    return part.get_content().replace("\r\n", "\n").rstrip("\n") + "\n"


def tree(part, depth=0):
    line = "  " * depth + part.get_content_type()
    if part.get_content_maintype() == "text":
        line += " " + (part.get_content_charset() or "-")
    if part.get_filename():
        line += " " + part.get_filename()
    print(line)
    if part.is_multipart():
        for p in part.iter_parts():
            tree(p, depth + 1)


def lint(path):
    raw = open(path, "rb").read()
    bad = []
    if raw.count(b"\n") != raw.count(b"\r\n") or raw.count(b"\r") != raw.count(b"\r\n"):
        bad.append("a bare CR or LF")
    lines = raw.split(b"\r\n")
    for n, l in enumerate(lines, 1):
        if len(l) > 998:
            bad.append("line %d has %d octets" % (n, len(l)))
    head = raw.split(b"\r\n\r\n", 1)[0]
    if any(b > 127 for b in head):
        bad.append("8-bit octets in the header")
    msg = email.message_from_bytes(raw, policy=P)
    for name in ("Date", "From", "To", "Subject", "Message-ID"):
        n = len(msg.get_all(name) or [])
        if n != 1:
            bad.append("%d %s fields" % (n, name))
    for name in ("MIME-Version", "List-Unsubscribe"):
        if msg[name] is None:
            bad.append("no " + name)
    for part in msg.walk():
        if part.defects:
            bad.append("%s: %s" % (part.get_content_type(), part.defects))
    if bad:
        die("%s: %s" % (path, "; ".join(bad)))


def envelope(eml):
    with open(eml[:-4] + ".env", encoding="utf-8") as f:
        return json.load(f)


def emls(d):
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".eml"))


def build(out, kv):
    name, addr = email.utils.parseaddr(kv["from"])
    h = ["From: " + (email.utils.formataddr((name, addr), charset="utf-8") if name else addr),
         "To: Nordic Pumps <sales@nordic.example>"]
    subj, enc = kv.get("subject", ""), kv.get("subject_enc", "")
    if enc == "iso-2022-jp":
        subj = Header(subj, "iso-2022-jp").encode()
    elif enc == "b-utf8":
        subj = "=?UTF-8?B?" + base64.b64encode(subj.encode()).decode() + "?="
    h.append("Subject: " + subj)
    h.append("Date: " + kv.get("date", "Mon, 23 Nov 2026 09:15:00 +0100"))
    h.append("Message-ID: " + kv["message_id"])
    if "in_reply_to" in kv:
        h.append("In-Reply-To: " + kv["in_reply_to"])
        h.append("References: " + kv["in_reply_to"])
    charset = kv.get("charset", "utf-8")
    data = kv.get("body", "Hello.\n").encode(charset)
    cte = kv.get("cte", "7bit" if charset == "iso-2022-jp" else "8bit")
    if cte == "base64":
        data = base64.encodebytes(data)
    h += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=" + charset,
          "Content-Transfer-Encoding: " + cte]
    with open(out, "wb") as f:
        f.write("\n".join(h).encode() + b"\n\n" + data)


def once(args):
    want = [l.strip() for l in open(args[0], encoding="utf-8") if l.strip()]
    i = args.index("--rows")
    j = args.index("--dirs")
    k = args.index("--acts") if "--acts" in args else len(args)
    unknown = set()
    for f in args[i + 1:j]:
        for r in records(f):
            if "unknown" in (r.get("status"), r.get("reason")):
                unknown.add(r.get("email", "").lower())
    got = {}
    ids = {}
    to = {}
    for d in args[j + 1:k]:
        for eml in emls(d):
            mid = bare(load(eml)["Message-ID"])
            for rcpt in envelope(eml)["rcpt_tos"]:
                got[rcpt.lower()] = got.get(rcpt.lower(), 0) + 1
                to[mid] = rcpt.lower()
            ids[mid] = ids.get(mid, 0) + 1
    bad = []
    if len(unknown) > 1:
        bad.append("more than one unknown: %s" % sorted(unknown))
    for a in want:
        n = got.get(a.lower(), 0)
        if n != 1 and not (a.lower() in unknown and n == 0):
            bad.append("%s received %d" % (a, n))
    bad += ["Message-ID %s received %d times" % (m, n) for m, n in ids.items() if n != 1]
    if k < len(args):
        acts = {}
        for r in records(args[k + 1]):
            acts[bare(r.get("message_id"))] = acts.get(bare(r.get("message_id")), 0) + 1
        bad += ["activity for %s not received" % m for m in acts if m not in ids]
        bad += ["Message-ID %s: %d activities" % (m, acts.get(m, 0)) for m in ids
                if acts.get(m, 0) != 1 and not (to[m] in unknown and acts.get(m, 0) == 0)]
    if bad:
        die("; ".join(bad))
    print("%d recipients, %d messages" % (len(want), len(ids)))


def check(path, checks):
    rec = json.load(open(path, encoding="utf-8"))
    bad = []
    for c in checks:
        k, v = c.split("=", 1)
        if k.endswith(":"):
            k, want = k[:-1], json.loads(v)
            if k not in rec or type(rec[k]) is not type(want) or rec[k] != want:
                bad.append("%s: expected %r, got %r" % (k, want, rec.get(k)))
        elif k.endswith("@"):
            k = k[:-1]
            if bare(text(rec.get(k))) != bare(v):
                bad.append("%s: expected the Message-ID %r, got %r" % (k, v, rec.get(k)))
        elif k.endswith("~"):
            k = k[:-1]
            if k not in rec or not re.search(v, text(rec[k])):
                bad.append("%s: expected to match %r, got %r" % (k, v, rec.get(k)))
        elif v == "-":
            if k in rec:
                bad.append("%s: expected no value, got %r" % (k, rec[k]))
        elif rec.get(k) != v:
            bad.append("%s: expected %r, got %r" % (k, v, rec.get(k)))
    if bad:
        die("\n".join(bad))


def main(cmd, a):
    if cmd == "rows":
        cols = a[1:] or ["email", "status", "reason"]
        for r in records(a[0]):
            print("|".join(text(r.get(c)) for c in cols))
    elif cmd == "hdr":
        v = load(a[0])[a[1]]
        # a field folded right after its colon keeps the fold's space
        print("-" if v is None else str(v).lstrip(" \t"))
    elif cmd == "addr":
        for x in load(a[0])[a[1]].addresses:
            print("%s <%s>" % (x.display_name, x.addr_spec))
    elif cmd in ("text", "html"):
        sys.stdout.write(body(load(a[0]), "plain" if cmd == "text" else "html"))
    elif cmd == "type":
        tree(load(a[0]))
    elif cmd == "headers":
        for k in load(a[0]).keys():
            print(k)
    elif cmd == "lint":
        for p in a:
            lint(p)
    elif cmd == "find":
        for eml in emls(a[0]):
            if a[1].lower() in [r.lower() for r in envelope(eml)["rcpt_tos"]]:
                print(eml)
    elif cmd == "ids":
        for d in a:
            for eml in emls(d):
                print(" ".join(envelope(eml)["rcpt_tos"]), load(eml)["Message-ID"])
    elif cmd == "attach":
        for part in load(a[0]).iter_attachments():
            name = part.get_filename()
            print(name, part.get_content_type())
            with open(os.path.join(a[1], name), "wb") as f:
                f.write(part.get_payload(decode=True))
    elif cmd in ("mbox", "maildir"):
        box = mailbox.mbox(a[0]) if cmd == "mbox" else mailbox.Maildir(a[0], create=False)
        for key in box.keys():
            m = email.message_from_bytes(box.get_bytes(key), policy=P)
            print(m["Message-ID"], m["Subject"])
    elif cmd == "pick":
        got = [r for r in records(a[0]) if matches(r, a[1:])]
        if len(got) != 1:
            die("%d records match %s in %s" % (len(got), a[1:], a[0]))
        print(json.dumps(got[0], ensure_ascii=False))
    elif cmd == "count":
        print(sum(1 for r in records(a[0]) if matches(r, a[1:])))
    elif cmd == "check":
        check(a[0], a[1:])
    elif cmd == "build":
        build(a[0], dict(x.split("=", 1) for x in a[1:]))
    elif cmd == "once":
        once(a)
    else:
        die("unknown command " + cmd)


main(sys.argv[1], sys.argv[2:])
EOF

mailpy () {
	"$PYTHON" "$tmp/mail.py" "$@"
}

# --- store helpers --------------------------------------------------------------------------

# refused MESSAGE CMD...: CMD exits 3 with MESSAGE on stderr, prints nothing
# on stdout and leaves main where it was.
refused () {
	_rf_msg=$1
	shift
	_rf_head=$(store_git rev-parse main) || return 1
	test_must_fail --exit=3 "$@" >"$tmp/.out" 2>"$tmp/.err" || return 1
	test_grep -F -e "$_rf_msg" "$tmp/.err" || return 1
	if [ -s "$tmp/.out" ]; then
		say_ "refused: printed on stdout:"
		cat "$tmp/.out" >&4
		return 1
	fi
	test_eq "$_rf_head" "$(store_git rev-parse main)"
}

# ids_csv ID-FILE...: an input of records by id, as CSV.
ids_csv () {
	echo id
	cat "$@"
}

# journal_sum: the store's mail journal's checksum, or "none".
journal_sum () {
	if [ -f "$SFA_STORE/sfa-mail/journal" ]; then
		cksum <"$SFA_STORE/sfa-mail/journal"
	else
		echo none
	fi
}

# acts CAMPAIGN FILE: the campaign's activities as JSON (none: an empty file).
acts () {
	_ac_rc=0
	sfa-activity list --where "campaign=$1" --format json >"$2" || _ac_rc=$?
	[ $_ac_rc -eq 0 ] || [ $_ac_rc -eq 1 ]
}

# eml_for SINK ADDR: the one message the sink kept for ADDR.
eml_for () {
	mailpy find "$tmp/$1" "$2" >"$tmp/.found" || return 1
	if [ "$(wc -l <"$tmp/.found")" -ne 1 ]; then
		say_ "eml_for: $(wc -l <"$tmp/.found") messages to $2 in $1"
		return 1
	fi
	cat "$tmp/.found"
}

# eml_last SINK ADDR: the newest message the sink kept for ADDR.
eml_last () {
	mailpy find "$tmp/$1" "$2" >"$tmp/.found" || return 1
	if ! [ -s "$tmp/.found" ]; then
		say_ "eml_last: no message to $2 in $1"
		return 1
	fi
	tail -n 1 "$tmp/.found"
}

# --- configuration and templates ------------------------------------------------------------

cat >users.json <<'EOF'
{
  "jonas": {"name": "Jonas Weber", "email": "jonas.weber@example.com", "role": "rep",
            "language": "de"},
  "ana": {"name": "Ana Silva", "email": "ana.silva@example.com", "role": "rep"}
}
EOF

cat >mail.json <<'EOF'
{
  "from": "Nordic Pumps Försäljning <sales@nordic.example>",
  "reply_to": "Nordic Pumps <reply@nordic.example>",
  "domain": "nordic.example",
  "smtp": {"url": "smtp://127.0.0.1:9", "tls": "none", "timeout": 10},
  "unsubscribe": "mailto:unsubscribe@nordic.example?subject=unsubscribe%20{{id}}",
  "batch": 200,
  "retries": 2,
  "retry_wait": 1
}
EOF

cat >offer.txt <<'EOF'
Subject: Our offer, {{first_name|default:"there"}}

Dear {{first_name|default:"customer"}},

thank you for your interest in our pumps.

Nordic Pumps
EOF

# "From Göteborg" after a blank line: an mbox writer must escape it.
cat >offer.de.txt <<'EOF'
Subject: Unser Angebot für {{account.name}}, {{first_name}} {{last_name}}

Sehr geehrte(r) {{first_name}} {{last_name}},

vielen Dank für Ihr Interesse an Pumpen für {{account.name}}.
Ihr Ansprechpartner ist {{owner.name}} ({{owner.email}}).

From Göteborg mit freundlichen Grüßen,
{{sender.name}}, {{today|date:"%d.%m.%Y"}}

Abmelden: {{unsubscribe}}
EOF

cat >offer.de.html <<'EOF'
<html><body>
<p>Sehr geehrte(r) {{first_name}} {{last_name}},</p>
<p>vielen Dank für Ihr Interesse an Pumpen für {{account.name}}.</p>
</body></html>
EOF

cat >offer.zh.txt <<'EOF'
From: 北欧泵业 <sales@nordic.example>
Subject: {{last_name}}{{first_name}}，您好：我们的报价

尊敬的{{last_name}}{{first_name}}：

感谢您对我们水泵的关注。报价单随后发送。

北欧泵业
EOF

# One body line of some 2,700 octets: it must reach the reader whole.
long_line=$(i=0; while [ $i -lt 30 ]; do
	printf 'Благодарим ви за интереса към нашите помпи. '
	i=$((i + 1))
done; printf 'Край.')
{
	echo 'From: Северни помпи <sales@nordic.example>'
	echo 'Subject: Нашата оферта за {{first_name}} {{last_name}}'
	echo
	echo 'Уважаема {{first_name}} {{last_name}},'
	echo
	echo "$long_line"
	echo
	echo 'Северни помпи'
} >offer.bg.txt

# What the three contacts of the campaign are to read.
cat >expect-de.txt <<'EOF'
Sehr geehrte(r) Jürgen Groß,

vielen Dank für Ihr Interesse an Pumpen für Müller & Söhne GmbH.
Ihr Ansprechpartner ist Jonas Weber (jonas.weber@example.com).

From Göteborg mit freundlichen Grüßen,
Nordic Pumps Försäljning, 20.11.2026

Abmelden: mailto:unsubscribe@nordic.example?subject=unsubscribe%20@ID@
EOF
cat >expect-de.html <<'EOF'
<html><body>
<p>Sehr geehrte(r) Jürgen Groß,</p>
<p>vielen Dank für Ihr Interesse an Pumpen für Müller &amp; Söhne GmbH.</p>
</body></html>
EOF
cat >expect-zh.txt <<'EOF'
尊敬的王伟：

感谢您对我们水泵的关注。报价单随后发送。

北欧泵业
EOF
{
	echo 'Уважаема Гергана Иванова,'
	echo
	echo "$long_line"
	echo
	echo 'Северни помпи'
} >expect-bg.txt

# A template naming every kind of field a merge has.
cat >linked.txt <<'EOF'
Subject: {{quote.number}} for {{account.name}} ({{campaign}})

{{#if first_name}}Dear {{first_name}}{{else}}Hello{{/if}} {{last_name|upper}},
{{#unless do_not_contact}}{{owner.name}} <{{owner.email}}> on {{opportunity.name}}{{/unless}}
{{#each quote.lines}}{{line}}. {{sku}} {{name}} {{qty}} x {{list_price}} = {{amount}}
{{/each}}Total {{quote.totals.total}}, {{today}} {{now}}
{{sender.name}} {{sender.email}} {{to.email}} {{to.name}} {{unsubscribe}}
EOF

cat >typo.fr.txt <<'EOF'
Subject: Notre offre pour {{account.name}}

Bonjour {{first_name}},
{{frist_name}} est une faute de frappe.
EOF
cat >syntax.fr.txt <<'EOF'
Subject: Notre offre

{{/if}} sans début
EOF
cat >good.fr.txt <<'EOF'
Subject: Notre offre, {{first_name}}

Bonjour {{first_name}},
EOF
cat >typo.fr.html <<'EOF'
<p>Bonjour {{first_name}},</p>
<p>{{frist_name}}</p>
EOF
cat >nosubject.fr.txt <<'EOF'
Reply-To: someone@nordic.example

Bonjour {{first_name}},
EOF

# --- setup ----------------------------------------------------------------------------------

test_expect_success 'setup: users, the mail configuration, an account and contacts' '
	sfa init -q
	sfa config set users users.json
	sfa config set mail mail.json
	store_git show main:config/mail.json >stored
	test_cmp mail.json stored
'

test_expect_success 'setup: contacts in three languages, one not to contact, one without address' '
	# the rest of the script needs the configuration even if config set refused it
	store_git cat-file -e main:config/mail.json 2>/dev/null ||
		store_write_raw "mail configuration by hand" config/mail.json mail.json
	sfa-account add name="Müller & Söhne GmbH" owner=jonas >acc
	sfa-contact add first_name=Jürgen last_name=Groß email=juergen@mueller.example \
		language=de account="$(cat acc)" owner=jonas >c_de
	sfa-contact add first_name=伟 last_name=王 email=wang.wei@beijing.example language=zh \
		owner=ana >c_zh
	sfa-contact add first_name=Гергана last_name=Иванова email=gergana@sofia.example \
		language=bg owner=ana >c_bg
	sfa-contact add first_name=Dieter last_name=Nein email=dieter@mueller.example \
		do_not_contact=true account="$(cat acc)" >c_dnc
	sfa-contact add first_name=Olga email=olga@sofia.example opt_out=true >c_opt
	sfa-contact add first_name=Nadia last_name=Ohne >c_none
	for f in acc c_de c_zh c_bg c_dnc c_opt c_none; do
		is_id "$(cat $f)" || exit 1
	done
'

# --- templates ------------------------------------------------------------------------------

test_expect_success 'template add: the default and language variants, one commit each, as given' '
	before=$(commit_count)
	sfa-mail template add -m "mail: the offer" offer offer.txt
	test_eq $((before + 1)) "$(commit_count)"
	test_eq "mail: the offer" "$(store_git log -1 --format=%s main)"
	sfa-mail template add --lang de offer offer.de.txt offer.de.html
	sfa-mail template add --lang zh offer offer.zh.txt
	sfa-mail template add --lang bg offer offer.bg.txt
	test_eq $((before + 4)) "$(commit_count)"
	store_git show main:config/mail-offer.txt >stored && test_cmp offer.txt stored
	store_git show main:config/mail-offer.de.txt >stored && test_cmp offer.de.txt stored
	store_git show main:config/mail-offer.de.html >stored && test_cmp offer.de.html stored
	store_git show main:config/mail-offer.zh.txt >stored && test_cmp offer.zh.txt stored
	store_git show main:config/mail-offer.bg.txt >stored && test_cmp offer.bg.txt stored
	test_must_fail store_git cat-file -e main:config/mail-offer.html
'

test_expect_success 'template add: linked records, quote lines and built-ins pass the check' '
	sfa-mail template add linked linked.txt
	sfa-mail template check linked
	sfa-mail template check
'

test_expect_success 'template list: name, languages, html' '
	sfa-mail template list --format json >list.json
	mailpy pick list.json name=offer >offer.json
	mailpy check offer.json "html~=^(yes|true)\$" \
		"languages~=(?s)^(?=.*\\bde\\b)(?=.*\\bzh\\b)(?=.*\\bbg\\b)"
	# one row a template, whatever its languages
	store_git ls-tree --name-only main config/ >tree
	test_eq "$(grep -c "^config/mail-[^.]*\.txt\$" tree)" "$(mailpy count list.json)"
	test_eq 0 "$(mailpy count list.json name=offer.de)"
'

test_expect_success 'template show: the text as stored, a language, --html' '
	sfa-mail template show offer >out
	test_cmp offer.txt out
	sfa-mail template show --lang bg offer >out
	test_cmp offer.bg.txt out
	sfa-mail template show --lang de --html offer >out
	test_cmp offer.de.html out
	test_must_fail sfa-mail template show nosuch
'

test_expect_success 'template add refuses an unknown field at its file and line' '
	refused "config/mail-offer.fr.txt:4: unknown field '"'"'frist_name'"'"'" \
		sfa-mail template add --lang fr offer typo.fr.txt
	refused "config/mail-offer.fr.html:2: unknown field '"'"'frist_name'"'"'" \
		sfa-mail template add --lang fr offer good.fr.txt typo.fr.html
	test_must_fail store_git cat-file -e main:config/mail-offer.fr.txt
'

test_expect_success 'template add refuses a syntax error at its line, and a missing Subject' '
	refused "config/mail-offer.fr.txt:3:" sfa-mail template add --lang fr offer syntax.fr.txt
	refused "" sfa-mail template add --lang fr offer nosubject.fr.txt
	test_grep -i subject .err
	test_must_fail store_git cat-file -e main:config/mail-offer.fr.txt
'

test_expect_success 'template check: a template written by hand, and --type' '
	printf "Subject: For {{company}}\n\nHello {{first_name}},\n{{company}} is a lead field.\n" \
		>leadish.txt
	store_write_raw "templates by hand" config/mail-leadish.txt leadish.txt \
		config/mail-rawbad.txt good.fr.txt config/mail-rawbad.fr.txt typo.fr.txt
	before=$(store_git rev-parse main)
	# a field of any listed type is fine: company is a lead field
	sfa-mail template check leadish
	test_must_fail --exit=3 sfa-mail template check --type contact leadish 2>err
	test_grep -F "config/mail-leadish.txt:1: unknown field '"'"'company'"'"'" err
	test_must_fail --exit=3 sfa-mail template check 2>err
	test_grep -F "config/mail-rawbad.fr.txt:4: unknown field '"'"'frist_name'"'"'" err
	test_must_fail --exit=3 sfa-mail template check rawbad
	sfa-mail template check offer
	test_eq "$before" "$(store_git rev-parse main)"
	store_write_raw "templates by hand removed" config/mail-leadish.txt - \
		config/mail-rawbad.txt - config/mail-rawbad.fr.txt -
	sfa-mail template check
'

# --- a campaign in three languages ----------------------------------------------------------

test_expect_success 'start the SMTP sink' '
	sink_start a
	grep -Eqx "smtp://127\.0\.0\.1:[0-9]+" a.url
'

test_expect_success 'send: three languages sent, the skipped listed with a reason, one commit' '
	ids_csv c_de c_zh c_bg c_dnc c_opt c_none >spring.csv
	before=$(commit_count)
	sfa-mail send --template offer --campaign spring --smtp "$(sink_url a)" --format json \
		spring.csv >spring.json
	mailpy rows spring.json >rows
	cat >expect <<-\EOF
	juergen@mueller.example|sent|
	wang.wei@beijing.example|sent|
	gergana@sofia.example|sent|
	dieter@mueller.example|skipped|opted-out
	olga@sofia.example|skipped|opted-out
	|skipped|no-address
	EOF
	test_cmp expect rows
	mailpy rows spring.json id >ids
	cat c_de c_zh c_bg c_dnc c_opt c_none >expect
	test_cmp expect ids
	test_eq 3 "$(sink_count a)"
	test_eq $((before + 1)) "$(commit_count)"
	test_eq "sfa-mail: campaign spring: 3 sent" "$(store_git log -1 --format=%s main)"
'

test_expect_success 'the envelope: from the configured sender, to the contact only' '
	for a in juergen@mueller.example wang.wei@beijing.example gergana@sofia.example; do
		eml=$(eml_for a $a)
		printf "{\"mail_from\": \"sales@nordic.example\", \"rcpt_tos\": [\"%s\"]}" $a >expect
		test_cmp expect "${eml%.eml}.env" || exit 1
	done
'

test_expect_success 'the German mail: From, Reply-To, Subject, text and HTML decode exactly' '
	eml=$(eml_for a juergen@mueller.example)
	test_eq "Nordic Pumps Försäljning <sales@nordic.example>" "$(mailpy addr "$eml" From)"
	test_eq "Nordic Pumps <reply@nordic.example>" "$(mailpy addr "$eml" Reply-To)"
	mailpy addr "$eml" To >to
	test_grep -x ".* <juergen@mueller.example>" to
	test_eq "Unser Angebot für Müller & Söhne GmbH, Jürgen Groß" "$(mailpy hdr "$eml" Subject)"
	mailpy type "$eml" >type
	cat >expect <<-\EOF
	multipart/alternative
	  text/plain utf-8
	  text/html utf-8
	EOF
	test_cmp expect type
	sed -e "s/@ID@/$(cat c_de)/" expect-de.txt >expect
	mailpy text "$eml" >got
	test_cmp expect got
	mailpy html "$eml" >got
	test_cmp expect-de.html got
'

test_expect_success 'the Chinese mail: the template From and a CJK subject decode exactly' '
	eml=$(eml_for a wang.wei@beijing.example)
	test_eq "北欧泵业 <sales@nordic.example>" "$(mailpy addr "$eml" From)"
	test_eq "王伟，您好：我们的报价" "$(mailpy hdr "$eml" Subject)"
	echo "text/plain utf-8" >expect
	mailpy type "$eml" >type
	test_cmp expect type
	mailpy text "$eml" >got
	test_cmp expect-zh.txt got
'

test_expect_success 'the Bulgarian mail: Cyrillic decodes exactly, its long line whole' '
	eml=$(eml_for a gergana@sofia.example)
	test_eq "Северни помпи <sales@nordic.example>" "$(mailpy addr "$eml" From)"
	test_eq "Нашата оферта за Гергана Иванова" "$(mailpy hdr "$eml" Subject)"
	mailpy text "$eml" >got
	test_cmp expect-bg.txt got
'

test_expect_success 'every mail: CRLF, lines of at most 998, Message-ID of the campaign, List-Unsubscribe' '
	for c in c_de c_zh c_bg; do
		id=$(cat $c)
		mailpy pick spring.json id=$id >row
		eml=$(eml_for a "$(mailpy rows row email)")
		mailpy lint "$eml"
		mid=$(mailpy hdr "$eml" Message-ID)
		printf "%s\n" "$mid" | grep -Ex "<[^<>@. ]+\.spring@nordic\.example>"
		# the row says the Message-ID the server got
		mailpy check row message_id@="$mid"
		test_eq "<mailto:unsubscribe@nordic.example?subject=unsubscribe%20$id>" \
			"$(mailpy hdr "$eml" List-Unsubscribe)"
	done
	# three keys, three Message-IDs
	mailpy ids a | cut -d" " -f2 | sort -u >mids
	test_line_count = 3 mids
'

test_expect_success 'each mail sent is an activity whose message_id is the Message-ID received' '
	acts spring acts.json
	test_eq 3 "$(mailpy count acts.json)"
	eml=$(eml_for a juergen@mueller.example)
	mid=$(mailpy hdr "$eml" Message-ID)
	mailpy pick acts.json mail_to=juergen@mueller.example >act
	mailpy check act type=email direction=out done:=true campaign=spring \
		mail_to=juergen@mueller.example mail_from=sales@nordic.example \
		related_to="$(cat c_de)" related_type=contact account="$(cat acc)" owner=jonas \
		subject="Unser Angebot für Müller & Söhne GmbH, Jürgen Groß" \
		done_at=2026-11-20T10:00:00Z message_id@="$mid"
	for a in wang.wei@beijing.example gergana@sofia.example; do
		mid=$(mailpy hdr "$(eml_for a $a)" Message-ID)
		mailpy pick acts.json mail_to=$a >act || exit 1
		mailpy check act owner=ana related_type=contact message_id@="$mid" || exit 1
	done
	mailpy pick acts.json mail_to=gergana@sofia.example >act
	mailpy check act subject="Нашата оферта за Гергана Иванова" related_to="$(cat c_bg)"
'

test_expect_success 'a rerun sends nothing new: every row already-sent, no commit' '
	before=$(commit_count)
	sfa-mail send --template offer --campaign spring --smtp "$(sink_url a)" --format json \
		spring.csv >rerun.json
	mailpy rows rerun.json >rows
	cat >expect <<-\EOF
	juergen@mueller.example|skipped|already-sent
	wang.wei@beijing.example|skipped|already-sent
	gergana@sofia.example|skipped|already-sent
	dieter@mueller.example|skipped|opted-out
	olga@sofia.example|skipped|opted-out
	|skipped|no-address
	EOF
	test_cmp expect rows
	test_eq 3 "$(sink_count a)"
	test_eq "$before" "$(commit_count)"
	acts spring acts.json
	test_eq 3 "$(mailpy count acts.json)"
'

test_expect_success '--dry-run: rows would-send with subject and Message-ID; nothing sent, journaled, committed' '
	head=$(store_git rev-parse main)
	journal=$(journal_sum)
	sfa-mail send --dry-run --template offer --campaign summer --smtp "$(sink_url a)" \
		--format json spring.csv >dry.json
	mailpy rows dry.json email status >rows
	cat >expect <<-\EOF
	juergen@mueller.example|would-send
	wang.wei@beijing.example|would-send
	gergana@sofia.example|would-send
	dieter@mueller.example|skipped
	olga@sofia.example|skipped
	|skipped
	EOF
	test_cmp expect rows
	mailpy rows dry.json subject | head -n 3 >subjects
	cat >expect <<-\EOF
	Unser Angebot für Müller & Söhne GmbH, Jürgen Groß
	王伟，您好：我们的报价
	Нашата оферта за Гергана Иванова
	EOF
	test_cmp expect subjects
	mailpy rows dry.json message_id | head -n 3 >dry-mids
	grep -Ec "^<?[^<>@. ]+\.summer@nordic\.example>?\$" dry-mids >n
	test_eq 3 "$(cat n)"
	test_eq 3 "$(sink_count a)"
	test_eq "$head" "$(store_git rev-parse main)"
	test_eq "$journal" "$(journal_sum)"
'

test_expect_success 'the language variant: exact, then the part before the dash, then the default' '
	sfa-contact add first_name=Anna last_name=Auer email=anna@wien.example language=de-AT \
		account="$(cat acc)" owner=jonas >c_at
	sfa-contact add first_name=Paulo email=paulo@rio.example language=pt-BR >c_pt
	ids_csv c_at c_pt >fallback.csv
	sfa-mail send --dry-run --template offer --campaign fallback --smtp "$(sink_url a)" \
		--format json fallback.csv >fb.json
	mailpy rows fb.json email status subject >rows
	cat >expect <<-\EOF
	anna@wien.example|would-send|Unser Angebot für Müller & Söhne GmbH, Anna Auer
	paulo@rio.example|would-send|Our offer, Paulo
	EOF
	test_cmp expect rows
'

test_expect_success 'an ad hoc list (email,first_name, no id): used as given, the default variant' '
	printf "email,first_name\nadhoc@ok.example,Ada\n" >adhoc.csv
	sfa-mail send --dry-run --template offer --campaign adhoc --smtp "$(sink_url a)" \
		--format json adhoc.csv >adhoc.json
	mailpy rows adhoc.json email status subject >rows
	echo "adhoc@ok.example|would-send|Our offer, Ada" >expect
	test_cmp expect rows
'

test_expect_success '--maildir: new/ files that parse, cur/ and tmp/ made, the dry run'"'"'s Message-IDs' '
	printf "Opening hours: 8-16\n" >hours.txt
	sfa-mail send --template offer --campaign summer --maildir "out maildir" --attach hours.txt \
		--format json spring.csv >md.json
	test -d "out maildir/cur"
	test -d "out maildir/tmp"
	ls "out maildir/new" >files
	test_line_count = 3 files
	mailpy maildir "out maildir" | sort >got
	cat >subjects <<-\EOF
	Unser Angebot für Müller & Söhne GmbH, Jürgen Groß
	王伟，您好：我们的报价
	Нашата оферта за Гергана Иванова
	EOF
	cut -d" " -f2- got | sort >s
	sort subjects >expect
	test_cmp expect s
	# the Message-ID comes from the key: the dry run named the same ones
	cut -d" " -f1 got | tr -d "<>" | sort >got-mids
	tr -d "<>" <dry-mids | sort >expect
	test_cmp expect got-mids
	# every message carries the attachment, as text/plain named as the file
	for f in "out maildir"/new/*; do
		mkdir -p att && rm -f att/*
		mailpy attach "$f" att >atts || exit 1
		echo "hours.txt text/plain" >expect
		test_cmp expect atts || exit 1
		test_cmp hours.txt att/hours.txt || exit 1
	done
	test_eq 3 "$(sink_count a)"
'

test_expect_success '--maildir counts as sent: the campaign is not sent again anywhere' '
	sfa-mail send --template offer --campaign summer --smtp "$(sink_url a)" --format json \
		spring.csv >again.json
	mailpy rows again.json status reason | head -n 3 >rows
	printf "skipped|already-sent\nskipped|already-sent\nskipped|already-sent\n" >expect
	test_cmp expect rows
	test_eq 3 "$(sink_count a)"
'

test_expect_success '--mbox: mboxrd that parses, "From " in a body escaped; appended to' '
	sfa-mail send --template offer --campaign review-1 --mbox review.mbox spring.csv >/dev/null
	mailpy mbox review.mbox >got
	test_line_count = 3 got
	# the body line "From Göteborg" after a blank line is no separator
	test_grep ! "^From G" review.mbox
	sfa-mail send --template offer --campaign review-2 --mbox review.mbox spring.csv >/dev/null
	mailpy mbox review.mbox >got
	test_line_count = 6 got
	grep -c "\.review-2@nordic\.example" got >n
	test_eq 3 "$(cat n)"
	test_eq 3 "$(sink_count a)"
'

test_expect_success 'no recipient in the input: exit 1; usage: exit 2; an unknown template: exit 3' '
	echo id >empty.csv
	test_expect_code 1 sfa-mail send --template offer --campaign empty --smtp "$(sink_url a)" empty.csv
	test_expect_code 2 sfa-mail send --template offer --smtp "$(sink_url a)" spring.csv
	head=$(store_git rev-parse main)
	test_expect_code 3 sfa-mail send --template nosuch --campaign x --smtp "$(sink_url a)" spring.csv
	test_eq "$head" "$(store_git rev-parse main)"
	test_eq 3 "$(sink_count a)"
'

test_expect_success 'header injection: a name with CR/LF adds no header field' '
	sfa-contact add first_name="$(printf "Eve\r\nBcc: evil@attacker.example\r\nX-Injected: yes")" \
		last_name="$(printf "Doe\nX-Also: no")" email=eve@inject.example >c_eve
	ids_csv c_eve >eve.csv
	test_run_checked_ sfa-mail send --template offer --campaign inject --smtp "$(sink_url a)" \
		--format json eve.csv >eve.json
	test -z "$_crash"
	mailpy rows eve.json >rows
	cat rows
	# either refused for this recipient or sent with the name encoded
	if grep -q "|sent|" rows; then
		eml=$(eml_for a eve@inject.example)
		mailpy lint "$eml"
		mailpy headers "$eml" >names
		test_grep ! -i -x -e bcc -e x-injected -e x-also names
		sed -e "/^\r\$/q" "$eml" >head
		test_grep ! -i -e "^Bcc:" -e "^X-Injected:" -e "^X-Also:" head
	else
		test_grep -E "\|(failed|skipped)\|." rows
	fi
	mailpy ids a >all
	test_grep ! -F attacker.example all
'

test_expect_success 'stop the sink' '
	proc_stop a
	! test -f a.pid
'

# --- 4xx, 5xx, lost replies -----------------------------------------------------------------

# Ad hoc lists of addresses and first names, mailed with a template that
# has no language variants.
cat >plain.txt <<'EOF'
Subject: Our offer, {{first_name|default:"there"}}

Dear {{first_name|default:"customer"}},

thank you for your interest in our pumps.
EOF

test_expect_success 'a 451 once: retried and sent; a bad address skipped' '
	sfa-mail template add plain plain.txt
	sink_start b --fail-once slow@ok.example=451
	printf "email,first_name\nfine@ok.example,Fina\nslow@ok.example,Slow\nno-at-sign.example,Bad\n" \
		>retry.csv
	sfa-mail send --template plain --campaign retry --smtp "$(sink_url b)" --format json \
		retry.csv >retry.json
	mailpy rows retry.json >rows
	cat >expect <<-\EOF
	fine@ok.example|sent|
	slow@ok.example|sent|
	no-at-sign.example|skipped|bad-address
	EOF
	test_cmp expect rows
	test_eq 2 "$(sink_count b)"
	eml=$(eml_for b slow@ok.example)
	test_eq "Our offer, Slow" "$(mailpy hdr "$eml" Subject)"
	proc_stop b
'

test_expect_success 'a 550: that one failed and recorded so, the others sent, exit 6' '
	sink_start c --fail-rcpt gone@bad.example=550
	printf "email,first_name\nx1@ok.example,Xa\ngone@bad.example,Gone\nx2@ok.example,Xb\n" >bounce.csv
	test_expect_code 6 sfa-mail send --template plain --campaign bounce --smtp "$(sink_url c)" \
		--format json bounce.csv >bounce.json
	mailpy rows bounce.json email status >rows
	cat >expect <<-\EOF
	x1@ok.example|sent
	gone@bad.example|failed
	x2@ok.example|sent
	EOF
	test_cmp expect rows
	test_eq 2 "$(sink_count c)"
	acts bounce acts.json
	test_eq 3 "$(mailpy count acts.json)"
	mailpy pick acts.json mail_to=x1@ok.example >act
	mailpy check act done:=true
	mailpy pick acts.json mail_to=gone@bad.example >act
	mailpy check act done:=false "outcome~=^failed: 550"
	# the reason is the server'"'"'s answer to that recipient
	mailpy pick bounce.json email=gone@bad.example >row
	mailpy check row reason~=550
'

test_expect_success 'the next run does not retry the failed one' '
	before=$(commit_count)
	sfa-mail send --template plain --campaign bounce --smtp "$(sink_url c)" --format json \
		bounce.csv >bounce2.json
	mailpy rows bounce2.json >rows
	cat >expect <<-\EOF
	x1@ok.example|skipped|already-sent
	gone@bad.example|skipped|failed-before
	x2@ok.example|skipped|already-sent
	EOF
	test_cmp expect rows
	test_eq 2 "$(sink_count c)"
	test_eq "$before" "$(commit_count)"
	proc_stop c
'

test_expect_success 'the reply lost after the final dot: unknown, the others sent, exit 6' '
	sink_start d --drop-after-data 2
	printf "email,first_name\nu1@ok.example,Ua\nu2@ok.example,Ub\nu3@ok.example,Uc\n" >lost.csv
	test_expect_code 6 sfa-mail send --template plain --campaign lost --smtp "$(sink_url d)" \
		--format json lost.csv >lost.json
	mailpy rows lost.json email status >rows
	cat >expect <<-\EOF
	u1@ok.example|sent
	u2@ok.example|unknown
	u3@ok.example|sent
	EOF
	test_cmp expect rows
	# the server has it; the sender cannot know
	test_eq 3 "$(sink_count d)"
	acts lost acts.json
	test_eq 0 "$(mailpy count acts.json mail_to=u2@ok.example done=true)"
'

test_expect_success 'a rerun does not send the unknown one again' '
	# still an unknown outcome: exit 6 is as right as 0
	rc=0
	sfa-mail send --template plain --campaign lost --smtp "$(sink_url d)" --format json \
		lost.csv >lost2.json || rc=$?
	case $rc in 0|6) ;; *) echo "exit code $rc"; exit 1 ;; esac
	mailpy rows lost2.json >rows
	cat >expect <<-\EOF
	u1@ok.example|skipped|already-sent
	u2@ok.example|unknown|unknown (an earlier run'"'"'s outcome; --resend-unknown sends it again)
	u3@ok.example|skipped|already-sent
	EOF
	test_cmp expect rows
	test_eq 3 "$(sink_count d)"
'

test_expect_success '--resend-unknown sends it again, with the same Message-ID' '
	sfa-mail send --resend-unknown --template plain --campaign lost --smtp "$(sink_url d)" \
		--format json lost.csv >lost3.json
	mailpy rows lost3.json email status >rows
	cat >expect <<-\EOF
	u1@ok.example|skipped
	u2@ok.example|sent
	u3@ok.example|skipped
	EOF
	test_cmp expect rows
	test_eq 4 "$(sink_count d)"
	mailpy find d u2@ok.example >two
	test_line_count = 2 two
	test_eq "$(mailpy hdr "$(sed -n 1p two)" Message-ID)" "$(mailpy hdr "$(sed -n 2p two)" Message-ID)"
	acts lost acts.json
	test_eq 1 "$(mailpy count acts.json mail_to=u2@ok.example)"
	proc_stop d
'

# --- a server lost mid-run, a sender killed mid-run -----------------------------------------

i=1
while [ $i -le 12 ]; do
	echo "k$i@ok.example"
	i=$((i + 1))
done >kill.list
{ echo email,first_name; sed -e 's/\(.*\)/\1,K/' kill.list; } >kill.csv
sed -e 's/^k/m/' kill.list >crash.list
{ echo email,first_name; sed -e 's/\(.*\)/\1,M/' crash.list; } >crash.csv

test_expect_success 'the server killed mid-campaign: the rest deferred, exit 5 (or 6)' '
	sink_start e
	sfa-mail send --rate 120/min --template plain --campaign killed --smtp "$(sink_url e)" \
		--format json kill.csv >kill1.json 2>kill1.err &
	echo $! >mail1.pid
	wait_count e 3
	proc_stop e KILL
	rc=0
	wait "$(cat mail1.pid)" || rc=$?
	rm -f mail1.pid
	cat kill1.err
	test_grep ! -e Sanitizer -e "runtime error" kill1.err
	case $rc in 5|6) ;; *) echo "exit code $rc"; exit 1 ;; esac
	mailpy rows kill1.json status >st
	test_grep -x deferred st
'

test_expect_success 'the rerun to another server: every recipient has exactly one message' '
	sink_start f
	rc=0
	sfa-mail send --template plain --campaign killed --smtp "$(sink_url f)" --format json \
		kill.csv >kill2.json || rc=$?
	case $rc in 0|6) ;; *) echo "exit code $rc"; exit 1 ;; esac
	test_grep ! -F "\"deferred\"" kill2.json
	acts killed acts.json
	mailpy once kill.list --rows kill1.json kill2.json --dirs e f --acts acts.json
	proc_stop f
'

test_expect_success 'the sender killed mid-campaign: the rerun records what was sent, sends the rest' '
	sink_start g
	sfa-mail send --rate 120/min --template plain --campaign crashed --smtp "$(sink_url g)" \
		--format json crash.csv >crash1.json 2>crash1.err &
	echo $! >mail2.pid
	wait_count g 3
	proc_stop mail2 KILL
	n=$(sink_count g)
	# killed mid-run indeed
	test "$n" -lt 12
	rc=0
	sfa-mail send --template plain --campaign crashed --smtp "$(sink_url g)" --format json \
		crash.csv >crash2.json || rc=$?
	case $rc in 0|6) ;; *) echo "exit code $rc"; exit 1 ;; esac
	# the messages of the first run are activities now, though it never committed them
	acts crashed acts.json
	mailpy once crash.list --rows crash2.json --dirs g --acts acts.json
	test "$(mailpy count crash2.json status=sent)" -le $((12 - n + 1))
	proc_stop g
'

test_expect_success 'the server unreachable: exit 5, the store and journal unchanged' '
	# a port that was free a moment ago and has nobody listening now
	sink_start dead
	url=$(sink_url dead)
	proc_stop dead
	head=$(store_git rev-parse refs/heads/main)
	journal=$(journal_sum)
	test_expect_code 5 sfa-mail send --template offer --campaign nowhere --smtp "$url" \
		spring.csv >out
	test_eq "$head" "$(store_git rev-parse refs/heads/main)"
	test_eq "$journal" "$(journal_sum)"
	# and nothing of it is remembered: the campaign goes out once a server answers
	sink_start h
	sfa-mail send --template offer --campaign nowhere --smtp "$(sink_url h)" --format json \
		spring.csv >later.json
	test_eq 3 "$(mailpy count later.json status=sent)"
	test_eq 3 "$(sink_count h)"
'

test_expect_success 'AUTH: the password from SFA_SMTP_PASSWORD; a wrong one is exit 5' '
	sink_start auth --auth sales:s3cret
	sed -e "s|\"tls\": \"none\"|\"user\": \"sales\", \"tls\": \"none\"|" mail.json >mail-auth.json
	sfa config set mail mail-auth.json
	printf "email,first_name\nauth1@ok.example,Au\n" >auth.csv
	head=$(store_git rev-parse main)
	test_expect_code 5 env SFA_SMTP_PASSWORD=wrong sfa-mail send --template plain --campaign auth \
		--smtp "$(sink_url auth)" auth.csv >out
	test_eq "$head" "$(store_git rev-parse main)"
	test_eq 0 "$(sink_count auth)"
	SFA_SMTP_PASSWORD=s3cret sfa-mail send --template plain --campaign auth \
		--smtp "$(sink_url auth)" auth.csv >out
	test_eq 1 "$(sink_count auth)"
	sfa config set mail mail.json
	proc_stop auth
'

# --- reminders and quotes -------------------------------------------------------------------

cat >reminder.txt <<'EOF'
Subject: Reminder: {{subject}}

Hello {{owner.name}},

"{{subject}}" is due.
EOF
cat >reminder.de.txt <<'EOF'
Subject: Erinnerung: {{subject}}

Hallo {{owner.name}},

„{{subject}}“ ist fällig.
EOF

test_expect_success '--to owner.email: a reminder to the owner of each task, in the owner'"'"'s language' '
	# the records mailed are tasks: their fields are checked as activity fields
	sfa-mail template add --type activity reminder reminder.txt
	sfa-mail template add --type activity --lang de reminder reminder.de.txt
	sfa-activity log --owner jonas --on "$(cat c_de)" --due "2026-11-21 10:00" \
		--subject "Jürgen zurückrufen" task >t1
	sfa-activity log --owner ana --on "$(cat c_bg)" --due "2026-11-21 11:00" \
		--subject "Send the offer to Гергана" task >t2
	ids_csv t1 t2 >tasks.csv
	sfa-mail send --to owner.email --template reminder --campaign reminders-2026-11-20 \
		--smtp "$(sink_url h)" --format json tasks.csv >rem.json
	mailpy rows rem.json >rows
	cat >expect <<-\EOF
	jonas.weber@example.com|sent|
	ana.silva@example.com|sent|
	EOF
	test_cmp expect rows
	eml=$(eml_for h jonas.weber@example.com)
	test_eq "Erinnerung: Jürgen zurückrufen" "$(mailpy hdr "$eml" Subject)"
	printf "Hallo Jonas Weber,\n\n„Jürgen zurückrufen“ ist fällig.\n" >expect
	mailpy text "$eml" >got
	test_cmp expect got
	eml=$(eml_for h ana.silva@example.com)
	test_eq "Reminder: Send the offer to Гергана" "$(mailpy hdr "$eml" Subject)"
	# the two owners, no one else
	test_eq 5 "$(sink_count h)"
'

# (which names a quote's fields have is the business of the template check above)
cat >quote.txt <<'EOF'
Subject: Ihr Angebot {{quote.number}}

{{#each quote.lines}}{{name}} ({{sku}})
{{/each}}Summe: {{quote.totals.total|money}} {{quote.totals.currency}}
EOF

test_expect_success '--attach-quote: the primary quote as PDF; one without a quote skipped' '
	sfa-mail template add quote quote.txt
	sfa-quote product add sku=WID-100 name=Widget price="100.00 EUR"
	sfa-stage add name="Pumps for Müller" account="$(cat acc)" owner=jonas contact="$(cat c_de)" \
		amount="1300 EUR" currency=EUR >deal
	sfa-quote new --opportunity "$(cat deal)" --contact "$(cat c_de)" >quote
	sfa-quote add-line "$(cat quote)" WID-100 13
	sfa-quote show --format json "$(cat quote)" >q.json
	number=$("$PYTHON" -c "import json; print(json.load(open(\"q.json\"))[0][\"number\"])")
	total=$("$PYTHON" -c "import json; print(json.load(open(\"q.json\"))[0][\"total\"])")
	test_eq "1300.00 EUR" "$total"
	ids_csv c_de c_zh >q.csv
	sfa-mail send --attach-quote --template quote --campaign quotes --smtp "$(sink_url h)" \
		--format json q.csv >qs.json
	mailpy rows qs.json >rows
	cat >expect <<-\EOF
	juergen@mueller.example|sent|
	wang.wei@beijing.example|skipped|no-quote
	EOF
	test_cmp expect rows
	eml=$(eml_last h juergen@mueller.example)
	mailpy lint "$eml"
	test_eq "Ihr Angebot $number" "$(mailpy hdr "$eml" Subject)"
	printf "Widget (WID-100)\nSumme: 1,300.00 EUR\n" >expect
	mailpy text "$eml" >got
	test_cmp expect got
	mkdir -p qatt
	mailpy attach "$eml" qatt >atts
	echo "Quote-$number.pdf application/pdf" >expect
	test_cmp expect atts
	head -c 5 "qatt/Quote-$number.pdf" >magic
	test_eq "%PDF-" "$(cat magic)"
	pdftotext "qatt/Quote-$number.pdf" - >pdf.txt
	test_grep -F "$number" pdf.txt
'

# --- ingest ---------------------------------------------------------------------------------

cat >ack.txt <<'EOF'
Subject: We received your message [{{tracking}}]

Hello {{first_name|default:"there"}},

your reference is {{tracking}}.
EOF

# the replies come a few days after the campaign
SFA_NOW=2026-11-25T12:00:00Z

test_expect_success 'ingest: a reply to a campaign mail logs an activity with campaign and reply_to' '
	mailpy find h juergen@mueller.example >found
	orig=$(mailpy hdr "$(head -n 1 found)" Message-ID)
	printf "%s\n" "$orig" >orig
	test_grep -F ".nowhere@nordic.example>" orig
	mailpy build reply1.eml from="Jürgen Groß <JUERGEN@Mueller.Example>" \
		subject="Re: Unser Angebot" message_id="<reply1@mueller.example>" \
		in_reply_to="$orig" date="Mon, 23 Nov 2026 09:15:00 +0100" \
		body="$(printf "Danke, wir bestellen 13 Pumpen.\n\n> alte Nachricht\n")"
	before=$(commit_count)
	sfa-mail ingest --format json reply1.eml >in1.json
	test "$(commit_count)" -gt "$before"
	mailpy rows in1.json status record >rows
	echo "logged|$(cat c_de)" >expect
	test_cmp expect rows
	mailpy pick in1.json status=logged >row
	mailpy check row "tracking~=^T-[0-9A-Za-z]{8}\$" message_id@="<reply1@mueller.example>"
	sfa-activity list --where direction=in --format json >in-acts.json
	mailpy pick in-acts.json related_to="$(cat c_de)" >act
	acts nowhere out-acts.json
	mailpy pick out-acts.json mail_to=juergen@mueller.example >sent
	sent_id=$("$PYTHON" -c "import json; print(json.load(open(\"sent\"))[\"id\"])")
	mailpy check act type=email direction=in campaign=nowhere reply_to="$sent_id" \
		related_type=contact account="$(cat acc)" owner=jonas subject="Re: Unser Angebot" \
		done_at=2026-11-23T08:15:00Z message_id@="<reply1@mueller.example>" in_reply_to@="$orig" \
		"mail_from~=(?i)^juergen@mueller\.example\$" "notes~=^Danke, wir bestellen 13 Pumpen\." \
		"tracking~=^T-[0-9A-Za-z]{8}\$"
'

test_expect_success 'ingest: the same Message-ID twice is logged once' '
	before=$(commit_count)
	rc=0
	sfa-mail ingest --format json reply1.eml >in2.json || rc=$?
	case $rc in 0|1) ;; *) echo "exit code $rc"; exit 1 ;; esac
	mailpy rows in2.json status >rows
	echo duplicate >expect
	test_cmp expect rows
	test_eq "$before" "$(commit_count)"
	sfa-activity list --where direction=in --format json >in-acts.json
	test_eq 1 "$(mailpy count in-acts.json related_to="$(cat c_de)")"
'

test_expect_success 'ingest: an unknown sender is unmatched (exit 1), nothing logged' '
	mailpy build stranger.eml from="Søren Kierkegaard <soren@philo.example>" \
		subject="Pumps for a farm?" message_id="<s1@philo.example>" \
		body="Do you sell small pumps?"
	head=$(store_git rev-parse main)
	test_expect_code 1 sfa-mail ingest --format json stranger.eml >st.json
	mailpy rows st.json from status >rows
	test_grep -i -x ".*soren@philo.example.*|unmatched" rows
	test_eq "$head" "$(store_git rev-parse main)"
'

test_expect_success 'ingest --create-leads: a lead with source email and the display name' '
	sfa-mail ingest --create-leads --format json stranger.eml >st2.json
	mailpy rows st2.json status >rows
	echo new-lead >expect
	test_cmp expect rows
	lead=$(mailpy rows st2.json record)
	is_id "$lead"
	sfa-lead show --format json "$lead" >lead.json
	"$PYTHON" -c "import json; json.dump(json.load(open(\"lead.json\"))[0], open(\"lead1.json\", \"w\"))"
	mailpy check lead1.json source=email email=soren@philo.example first_name=Søren \
		last_name=Kierkegaard "description=Pumps for a farm?"
	sfa-activity list --where direction=in --format json >in-acts.json
	mailpy pick in-acts.json related_to="$lead" >act
	mailpy check act related_type=lead message_id@="<s1@philo.example>"
'

test_expect_success 'ingest: an ISO-2022-JP subject and body, a base64 UTF-8 subject and body decode' '
	mailpy build jp.eml from="王伟 <wang.wei@beijing.example>" subject="見積もりについて" \
		subject_enc=iso-2022-jp charset=iso-2022-jp message_id="<jp1@beijing.example>" \
		body="$(printf "お見積もりをお願いします。\n")"
	mailpy build b64.eml from="Гергана Иванова <gergana@sofia.example>" \
		subject="Запитване за оферта" subject_enc=b-utf8 cte=base64 \
		message_id="<b64@sofia.example>" body="$(printf "Колко струва помпата?\n")"
	sfa-mail ingest --format json jp.eml b64.eml >enc.json
	mailpy rows enc.json status record >rows
	printf "logged|%s\nlogged|%s\n" "$(cat c_zh)" "$(cat c_bg)" >expect
	test_cmp expect rows
	sfa-activity list --where direction=in --format json >in-acts.json
	mailpy pick in-acts.json related_to="$(cat c_zh)" >act
	mailpy check act subject=見積もりについて "notes~=^お見積もりをお願いします。\\s*\$" owner=ana
	mailpy pick in-acts.json related_to="$(cat c_bg)" >act
	mailpy check act subject="Запитване за оферта" "notes~=^Колко струва помпата\\?\\s*\$"
'

test_expect_success 'ingest --ack: an acknowledgement with the tracking number, In-Reply-To set' '
	sfa-mail template add ack ack.txt
	mailpy build q1.eml from="Гергана Иванова <gergana@sofia.example>" \
		subject="Delivery time?" message_id="<q1@sofia.example>" body="When can you deliver?"
	n=$(sink_count h)
	sfa-mail ingest --ack ack --smtp "$(sink_url h)" --format json q1.eml >ack.json
	mailpy rows ack.json status >rows
	echo logged >expect
	test_cmp expect rows
	tracking=$(mailpy rows ack.json tracking)
	printf "%s\n" "$tracking" | grep -Ex "T-[0-9A-Za-z]{8}"
	echo "$tracking" >tracking
	test_eq $((n + 1)) "$(sink_count h)"
	eml=$(eml_last h gergana@sofia.example)
	mailpy lint "$eml"
	test_eq "We received your message [$tracking]" "$(mailpy hdr "$eml" Subject)"
	test_eq "<q1@sofia.example>" "$(mailpy hdr "$eml" In-Reply-To)"
	printf "Hello Гергана,\n\nyour reference is %s.\n" "$tracking" >expect
	mailpy text "$eml" >got
	test_cmp expect got
'

test_expect_success 'ingest: a later mail quoting the tracking number joins the first one'"'"'s thread' '
	tracking=$(cat tracking)
	sfa-activity list --where direction=in --format json >in-acts.json
	mailpy pick in-acts.json tracking="$tracking" >first
	first=$("$PYTHON" -c "import json; print(json.load(open(\"first\"))[\"id\"])")
	mailpy build q2.eml from="Гергана Иванова <gergana@sofia.example>" \
		subject="Re: We received your message [$tracking]" message_id="<q2@sofia.example>" \
		date="Tue, 24 Nov 2026 10:00:00 +0200" body="Any news?"
	sfa-mail ingest --format json q2.eml >q2.json
	test_eq "$tracking" "$(mailpy rows q2.json tracking)"
	sfa-activity list --where direction=in --format json >in-acts.json
	test_eq 2 "$(mailpy count in-acts.json tracking="$tracking")"
	mailpy pick in-acts.json tracking="$tracking" thread="$first" >second
	mailpy check second message_id@="<q2@sofia.example>" done_at=2026-11-24T08:00:00Z
'

test_expect_success 'ingest MAILDIR: each message of new/ logged, then moved to cur/ with :2,S' '
	mkdir -p inbox/new inbox/cur inbox/tmp
	mailpy build inbox/new/1700000000.1.host from="Anna Auer <anna@wien.example>" \
		subject="Frage" message_id="<md1@wien.example>" body="Eine Frage."
	sfa-mail ingest --format json inbox >md.json
	mailpy rows md.json status record >rows
	echo "logged|$(cat c_at)" >expect
	test_cmp expect rows
	ls inbox/new >new
	test_line_count = 0 new
	ls inbox/cur >cur
	echo "1700000000.1.host:2,S" >expect
	test_cmp expect cur
'

test_expect_success 'stop the sink' '
	proc_stop h
	! test -f h.pid
'

test_done
