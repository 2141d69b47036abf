#!/bin/sh
# sfa-quote: the product catalog (add, import with price bands, ERP column
# names, list, show, set), quotes priced by hand-checked arithmetic (volume
# and graduated bands and their edges, dated prices, fallback books, line
# and quote discounts, two tax rates, a customer discount schedule,
# half-even and half-up rounding per line and per total, EUR, JPY and BHD),
# bundles, approvals by role, rejection, sending, revisions, acceptance
# into an order that wins the deal, declining, the primary quote, orders
# moving forward, and bad input refused with the store left as it was.

. "$(dirname "$0")/lib.sh"

# The approver comes from SFA_USER unless a test sets SFA_REP.
unset SFA_REP
SFA_NOW=2026-11-20T10:00:00Z
export SFA_NOW

# rec.awk reads a record file in the store's canonical encoding
# (sfa-store(5): one field a line, its value compact JSON; a list one
# entry a line):
#	awk -v want=KEY -f rec.awk RECORD		KEY's value, compact JSON
#	awk -v want=KEY -v raw=1 -f rec.awk RECORD	a text value without its quotes
#	awk -v want=KEY -v each=1 -f rec.awk RECORD	the entries of list KEY, one a line
#	awk -v want=lines -v table=1 -f rec.awk RECORD	the lines of a quote or order as
#		"line sku qty list_price discount amount tax_rate", "-" for no discount,
#		then "bundle=N", "optional" and "from=SCHEDULE" when the line has them
#	awk -v checks=1 -f rec.awk CHECKS RECORD	every line of CHECKS holds:
#		FIELD=TEXT (a text), FIELD:=JSON (compact JSON), FIELD=- (absent)
cat >rec.awk <<'EOF'
function get(e, k,	i, s) {
	i = index(e, "\"" k "\":")
	if (!i)
		return ""
	s = substr(e, i + length(k) + 3)
	if (substr(s, 1, 1) == "\"") {
		s = substr(s, 2)
		return substr(s, 1, index(s, "\"") - 1)
	}
	return substr(s, 1, match(s, /[,}]/) - 1)
}
checks && FILENAME == ARGV[1] { chk[++nchk] = $0; next }
list != "" && /^  \]/ { val[list] = "[" val[list] "]"; has[list] = 1; list = ""; next }
list != "" {
	e = $0
	sub(/^ +/, "", e)
	sub(/,$/, "", e)
	val[list] = val[list] (n[list]++ ? "," : "") e
	ent[list, n[list]] = e
	next
}
/^  "[^"]*": / {
	k = substr($0, 4)
	k = substr(k, 1, index(k, "\"") - 1)
	v = substr($0, length(k) + 7)
	sub(/,$/, "", v)
	if (v == "[") {
		list = k
		n[k] = 0
		val[k] = ""
	} else {
		val[k] = v
		has[k] = 1
	}
}
END {
	if (want != "") {
		if (!(want in has))
			exit 1
		if (table) {
			for (i = 1; i <= n[want]; i++) {
				e = ent[want, i]
				d = get(e, "discount")
				row = get(e, "line") " " get(e, "sku") " " get(e, "qty") " " get(e, "list_price") \
					" " (d == "" ? "-" : d) " " get(e, "amount") " " get(e, "tax_rate")
				if (get(e, "bundle") != "" && get(e, "bundle") != "0")
					row = row " bundle=" get(e, "bundle")
				if (get(e, "optional") == "true")
					row = row " optional"
				if (get(e, "discount_from") != "")
					row = row " from=" get(e, "discount_from")
				print row
			}
		} else if (each) {
			for (i = 1; i <= n[want]; i++)
				print ent[want, i]
		} else {
			v = val[want]
			if (raw && v ~ /^".*"$/)
				v = substr(v, 2, length(v) - 2)
			print v
		}
		exit 0
	}
	bad = 0
	for (i = 1; i <= nchk; i++) {
		c = chk[i]
		k = substr(c, 1, index(c, "=") - 1)
		w = substr(c, index(c, "=") + 1)
		if (k ~ /:$/) {
			k = substr(k, 1, length(k) - 1)
		} else if (w == "-") {
			if (k in has) {
				print k ": expected no value, got " val[k]
				bad = 1
			}
			continue
		} else {
			gsub(/\\/, "\\\\", w)
			gsub(/"/, "\\\"", w)
			w = "\"" w "\""
		}
		if (!(k in has)) {
			print k ": expected " w ", got nothing"
			bad = 1
		} else if (val[k] != w) {
			print k ": expected " w ", got " val[k]
			bad = 1
		}
	}
	exit bad
}
EOF

# config.py: writes bad-KIND.json for every KIND of fault below, the
# quoting.json or pricebooks.json of this directory with that one fault,
# one key a line, and line-KIND holding the line (1-based) of the fault.
cat >config.py <<'EOF'
import json
faults = {
    # kind: (file, change, text on the line the error is to name)
    "role": ("quoting", lambda q: q["approval"]["rules"][2].update(role="boss"), '"boss"'),
    "mode": ("quoting", lambda q: q["rounding"].update(mode="half-down"), '"half-down"'),
    "rate": ("quoting", lambda q: q["tax"]["regions"]["DE"].update(reduced="7.125"), '"7.125"'),
    "component": ("quoting", lambda q: q["bundles"]["STARTER-KIT"]["components"][0].update(qty=0),
                  '"qty": 0'),
    "max": ("quoting", lambda q: q["rules"][2].update(min_qty=5, max_qty=3), '"max_qty": 3'),
    "schedule": ("quoting", lambda q: q["discounts"]["gold"][1].update(percent="120"), '"120"'),
    "key": ("quoting", lambda q: q.update(rouding={"mode": "half-up"}), '"rouding"'),
    "cycle": ("pricebooks", lambda p: p["books"]["standard"].update(fallback="gov"), '"fallback": "gov"'),
    "currency": ("pricebooks", lambda p: p["books"]["jpy"].update(currency="yen"), '"yen"'),
    "tiers": ("pricebooks", lambda p: p["books"]["gov"].update(tiers="stepped"), '"stepped"'),
    "default": ("pricebooks", lambda p: p.update(default="retail"), '"retail"'),
}
for kind, (name, change, needle) in faults.items():
    cfg = json.load(open(name + ".json", encoding="utf-8"))
    change(cfg)
    text = json.dumps(cfg, indent=2, ensure_ascii=False) + "\n"
    open("bad-%s.json" % kind, "w", encoding="utf-8").write(text)
    lines = [n for n, l in enumerate(text.split("\n"), 1) if needle in l]
    assert len(lines) == 1, (kind, lines)
    open("line-" + kind, "w").write("%d\n" % lines[0])
EOF

cat >users.json <<'EOF'
{
  "jonas": {"name": "Jonas Weber", "email": "jonas.weber@example.com", "role": "rep"},
  "ana": {"name": "Ana Silva", "email": "ana.silva@example.com", "role": "rep"},
  "petra": {"name": "Petra Novak", "email": "petra.novak@example.com", "role": "manager"},
  "dora": {"name": "Dora Lind", "email": "dora.lind@example.com", "role": "director"}
}
EOF

cat >pricebooks.json <<'EOF'
{
  "default": "standard",
  "tiers": "volume",
  "books": {
    "standard": {"about": "List prices", "currency": "EUR"},
    "gov": {"about": "Public sector", "currency": "EUR", "segment": "government",
            "fallback": "standard", "tiers": "graduated"},
    "jpy": {"about": "Yen list", "currency": "JPY", "region": "JP"},
    "bhd": {"about": "Dinar list", "currency": "BHD", "region": "BH"}
  }
}
EOF

cat >quoting.json <<'EOF'
{
  "company": {"name": "Acme Pumps GmbH", "address": "Hafenstr. 1\n20457 Hamburg\nGermany",
              "email": "sales@acme.example", "phone": "+49 40 1234", "vat_id": "DE123456789",
              "website": "acme.example"},
  "rounding": {"mode": "half-even", "per": "line"},
  "validity_days": 30,
  "terms": "Payment within 30 days of invoice.",
  "tax": {"default_region": "DE",
          "regions": {"DE": {"standard": "19", "reduced": "7"},
                      "JP": {"standard": "10"}, "BH": {"standard": "10"}}},
  "discounts": {"gold": [{"family": "software", "percent": "10"}, {"percent": "5"}]},
  "approval": {"self_approve": false,
               "rules": [{"line_discount_over": "15", "role": "manager"},
                         {"total_discount_over": "10", "role": "manager"},
                         {"line_discount_over": "25", "role": "director"},
                         {"total_discount_over": "25", "role": "director"}]},
  "bundles": {"STARTER-KIT": {"components": [
                 {"sku": "WID-100", "qty": 2},
                 {"sku": "SVC-SETUP", "qty": 1, "optional": true}]}},
  "rules": [{"sku": "PUMP-XL", "requires": ["MOUNT-XL"]},
            {"sku": "LIC-BASIC", "excludes": ["LIC-PRO"]},
            {"sku": "SVC-TRAIN", "min_qty": 1, "max_qty": 20}]
}
EOF

# quoting.json with another rounding: rounding MODE PER >FILE
rounding () {
	sed -e "s/\"rounding\": {[^}]*}/\"rounding\": {\"mode\": \"$1\", \"per\": \"$2\"}/" quoting.json
}

# rec_path DIR ID: the path of a record file in the store's tree.
rec_path () {
	printf '%s/%s/%s.json\n' "$1" "$(printf '%s' "$2" | cut -c1-2)" "$2"
}

# get DIR ID FILE: the record on main into FILE.
get () {
	store_git show "main:$(rec_path "$1" "$2")" >"$3"
}

# check_file FILE CHECK...: the record file passes rec.awk's checks.
check_file () {
	_ck_file=$1
	shift
	printf '%s\n' "$@" >"$tmp/.checks"
	if ! awk -v checks=1 -f "$tmp/rec.awk" "$tmp/.checks" "$_ck_file" >"$tmp/.why"; then
		say_ "check $_ck_file:"
		cat "$tmp/.why" >&4
		return 1
	fi
}

# check DIR ID CHECK...: the record on main passes rec.awk's checks.
check () {
	get "$1" "$2" "$tmp/.rec" || return 1
	shift 2
	check_file "$tmp/.rec" "$@"
}

# value FILE KEY: one field of a record file (a text without its quotes);
# fails when the record has no such field.
value () {
	awk -v want="$2" -v raw=1 -f "$tmp/rec.awk" "$1"
}

# field DIR ID KEY: one field of the record on main, as value prints it.
field () {
	get "$1" "$2" "$tmp/.rec" || return 1
	value "$tmp/.rec" "$3"
}

# same_fields A B KEY...: record files A and B both have each KEY, with
# the same value.
same_fields () {
	_sf_a=$1
	_sf_b=$2
	shift 2
	for _sf_k in "$@"; do
		_sf_va=$(value "$_sf_a" "$_sf_k") || {
			say_ "same_fields: $_sf_a has no $_sf_k"
			return 1
		}
		_sf_vb=$(value "$_sf_b" "$_sf_k") || {
			say_ "same_fields: $_sf_b has no $_sf_k"
			return 1
		}
		test_eq "$_sf_va" "$_sf_vb" || return 1
	done
}

# entries DIR ID KEY: the entries of a list field, one a line.
entries () {
	get "$1" "$2" "$tmp/.rec" || return 1
	awk -v want="$3" -v each=1 -f "$tmp/rec.awk" "$tmp/.rec"
}

# taxes RATE:BASE:TAX...: a quote's taxes list as the store writes it (compact JSON).
taxes () {
	printf '%s\n' "$@" |
	sed -e 's/^\([^:]*\):\([^:]*\):\(.*\)$/{"base":"\2","rate":"\1","tax":"\3"}/' |
	paste -sd, - | sed -e 's/^/[/' -e 's/$/]/'
}

# lines ID: the lines of quote ID on main, as rec.awk tabulates them, into "lines".
lines () {
	get quotes "$1" "$tmp/.rec" || return 1
	awk -v want=lines -v table=1 -f "$tmp/rec.awk" "$tmp/.rec" >"$tmp/lines"
}

# refused MESSAGE CMD...: CMD exits 3 with MESSAGE in what it says, prints
# nothing on stdout and leaves main where it was.
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

# --- setup --------------------------------------------------------------------------------

test_expect_success 'setup: users, price books, quoting rules, accounts and deals' '
	sfa init -q
	sfa config set users users.json
	sfa config set pricebooks pricebooks.json
	sfa config set quoting quoting.json
	store_git show main:config/quoting.json >stored
	test_cmp quoting.json stored
	export SFA_NOW=2026-06-01T08:00:00Z
	sfa-account add name="Müller Maschinenbau GmbH" country=DE >acc_de
	sfa-account add name="Goldbach AG" country=DE discount_schedule=gold >acc_gold
	sfa-account add name="Tanaka Pumps KK" country=JP >acc_jp
	sfa-account add name="Gulf Pumps WLL" country=BH >acc_bh
	deal () {
		sfa-stage add name="$1" account="$(cat $2)" owner=$3 close_date=2026-12-15 >$4
	}
	deal "Widgets for Müller" acc_de jonas deal_a
	deal "Widgets for Goldbach" acc_gold jonas deal_e
	deal "Müller, many quotes" acc_de jonas deal_m
	deal "Widgets for Tanaka" acc_jp jonas deal_g
	deal "Widgets for Gulf" acc_bh jonas deal_h
	deal "Petra sells" acc_de petra deal_s
	deal "Two offers" acc_de jonas deal_p
	for f in acc_de acc_gold acc_jp acc_bh deal_a deal_e deal_m deal_g deal_h deal_s deal_p; do
		is_id "$(cat $f)" || exit 1
	done
'

# --- products -----------------------------------------------------------------------------

cat >products.csv <<'EOF'
sku,name,family,unit,tax_class,description,price,price_book,min_qty
WID-100,Widget,hardware,each,standard,Steel widget,100.00 EUR,standard,1
WID-100,Widget,hardware,each,standard,Steel widget,90.00 EUR,standard,10
WID-100,Widget,hardware,each,standard,Steel widget,80.00 EUR,standard,50
WID-100,Widget,hardware,each,standard,Steel widget,95.00 EUR,gov,1
WID-100,Widget,hardware,each,standard,Steel widget,85.00 EUR,gov,10
WID-100,Widget,hardware,each,standard,Steel widget,75.00 EUR,gov,50
WID-100,Widget,hardware,each,standard,Steel widget,1500 JPY,jpy,1
WID-100,Widget,hardware,each,standard,Steel widget,1350 JPY,jpy,10
WID-100,Widget,hardware,each,standard,Steel widget,37.750 BHD,bhd,1
BOOK-DE,Handbuch Widgets,docs,each,reduced,Printed manual,19.90 EUR,standard,1
LIC-PRO,Monitoring licence Pro,software,licence,standard,Yearly per site,1290.00 EUR,standard,1
LIC-BASIC,Monitoring licence Basic,software,licence,standard,Yearly per site,480.00 EUR,standard,1
PUMP-XL,Pump XL,pumps,each,standard,Centrifugal pump,12400.00 EUR,standard,1
MOUNT-XL,Mounting frame XL,pumps,each,standard,Steel frame,890.00 EUR,standard,1
SVC-SETUP,On-site setup,services,hour,standard,Commissioning,135.00 EUR,standard,1
SVC-TRAIN,Operator training,services,day,reduced,One day,1200.00 EUR,standard,1
STARTER-KIT,Widget starter kit,hardware,kit,standard,Two widgets,199.00 EUR,standard,1
ROUND-A,Rounding part A,parts,each,standard,Part A,12.05 EUR,standard,1
ROUND-B,Rounding part B,parts,each,standard,Part B,4.59 EUR,standard,1
EOF

cat >products.json <<'EOF'
[
  {"sku": "GADGET", "name": "Gadget", "family": "hardware", "prices": [
    {"book": "standard", "currency": "EUR", "price": "50.00", "valid_from": "2026-01-01",
     "valid_until": "2026-06-30"},
    {"book": "standard", "currency": "EUR", "price": "55.00", "valid_from": "2026-07-01"}]},
  {"sku": "SPARE-BH", "name": "Spare part (Gulf)", "prices": [
    {"book": "bhd", "price": "4.125"}]}
]
EOF

# pid SKU: the id of the product with that sku, from "pids" (product list sku,id).
pid () {
	sed -n "s/^$1,//p" "$tmp/pids"
}

test_expect_success 'product add: sku is the external id, the price one entry of prices' '
	sfa-quote product add sku=OLD-1 name="Old widget" price="10.00 EUR" >old1
	is_id "$(cat old1)"
	check products "$(cat old1)" sku=OLD-1 external_id=OLD-1 name="Old widget" \
		active:=true tax_class=standard price=- \
		prices:="[{\"book\":\"standard\",\"currency\":\"EUR\",\"min_qty\":1,\"price\":\"10.00\"}]"
'

test_expect_success 'product import CSV: several rows of one sku become its price bands' '
	before=$(commit_count)
	sfa-quote product import products.csv
	test_eq $((before + 1)) "$(commit_count)"
	sfa-quote product list --fields sku,id --format csv >pids
	wid=$(pid WID-100)
	is_id "$wid"
	check products "$wid" sku=WID-100 external_id=WID-100 name=Widget family=hardware unit=each \
		description="Steel widget" price=- price_book=- min_qty=-
	entries products "$wid" prices | sort >got
	cat >expect <<-\EOF
	{"book":"bhd","currency":"BHD","min_qty":1,"price":"37.750"}
	{"book":"gov","currency":"EUR","min_qty":1,"price":"95.00"}
	{"book":"gov","currency":"EUR","min_qty":10,"price":"85.00"}
	{"book":"gov","currency":"EUR","min_qty":50,"price":"75.00"}
	{"book":"jpy","currency":"JPY","min_qty":1,"price":"1500"}
	{"book":"jpy","currency":"JPY","min_qty":10,"price":"1350"}
	{"book":"standard","currency":"EUR","min_qty":1,"price":"100.00"}
	{"book":"standard","currency":"EUR","min_qty":10,"price":"90.00"}
	{"book":"standard","currency":"EUR","min_qty":50,"price":"80.00"}
	EOF
	test_cmp expect got
	check products "$(pid BOOK-DE)" tax_class=reduced family=docs \
		prices:="[{\"book\":\"standard\",\"currency\":\"EUR\",\"min_qty\":1,\"price\":\"19.90\"}]"
'

test_expect_success 'product import JSON: a prices list with dates kept as given' '
	sfa-quote product import products.json
	sfa-quote product list --fields sku,id --format csv >pids
	entries products "$(pid GADGET)" prices | sort >got
	cat >expect <<-\EOF
	{"book":"standard","currency":"EUR","min_qty":1,"price":"50.00","valid_from":"2026-01-01","valid_until":"2026-06-30"}
	{"book":"standard","currency":"EUR","min_qty":1,"price":"55.00","valid_from":"2026-07-01"}
	EOF
	test_cmp expect got
	# the book fixes the currency of an entry that names none
	check products "$(pid SPARE-BH)" \
		prices:="[{\"book\":\"bhd\",\"currency\":\"BHD\",\"min_qty\":1,\"price\":\"4.125\"}]"
'

test_expect_success 'product import with ERP column names updates a band, adds a product' '
	cat >erp.csv <<-\EOF
	item_number,name,list_price,currency,category,uom
	BOOK-DE,Handbuch Widgets,21.5,EUR,docs,each
	SENSOR-P,Pressure sensor,245.5,EUR,sensors,piece
	EOF
	sfa-quote product import erp.csv 2>err
	test_grep "1 added, 1 updated" err
	sfa-quote product list --fields sku,id --format csv >pids
	# the standard EUR band from 1 replaced, not added beside the old one
	check products "$(pid BOOK-DE)" tax_class=reduced \
		prices:="[{\"book\":\"standard\",\"currency\":\"EUR\",\"min_qty\":1,\"price\":\"21.50\"}]"
	check products "$(pid SENSOR-P)" sku=SENSOR-P external_id=SENSOR-P family=sensors unit=piece \
		item_number=- list_price=- category=- uom=- \
		prices:="[{\"book\":\"standard\",\"currency\":\"EUR\",\"min_qty\":1,\"price\":\"245.50\"}]"
'

test_expect_success 'product set: a new price for a band replaces it; active=false' '
	sfa-quote product set BOOK-DE price="24.90 EUR"
	sfa-quote product set OLD-1 active=false
	check products "$(cat old1)" active:=false
	check products "$(pid BOOK-DE)" \
		prices:="[{\"book\":\"standard\",\"currency\":\"EUR\",\"min_qty\":1,\"price\":\"24.90\"}]"
'

test_expect_success 'product list: every product once; --where active=false' '
	sfa-quote product list --fields sku,name --format csv >out
	sed 1d out | sort >got
	cat >expect <<-\EOF
	BOOK-DE,Handbuch Widgets
	GADGET,Gadget
	LIC-BASIC,Monitoring licence Basic
	LIC-PRO,Monitoring licence Pro
	MOUNT-XL,Mounting frame XL
	OLD-1,Old widget
	PUMP-XL,Pump XL
	ROUND-A,Rounding part A
	ROUND-B,Rounding part B
	SENSOR-P,Pressure sensor
	SPARE-BH,Spare part (Gulf)
	STARTER-KIT,Widget starter kit
	SVC-SETUP,On-site setup
	SVC-TRAIN,Operator training
	WID-100,Widget
	EOF
	test_cmp expect got
	sfa-quote product list --where active=false --format ids >out
	test_cmp old1 out
'

test_expect_success 'product bad input: a second product with a sku, too many decimals' '
	refused "'"'"'WID-100'"'"' is product" sfa-quote product add sku=WID-100 name=Copy
	refused "EUR has 2 decimals" sfa-quote product add sku=NEW-1 name=New price="1.234 EUR"
	refused "no price book '"'"'retail'"'"'" sfa-quote product add sku=NEW-1 name=New \
		price="1.00 EUR" price_book=retail
'

# --- new, and the golden figures ----------------------------------------------------------

test_expect_success 'new: number, version, dates, book, currency, owner and account from the deal' '
	before=$(commit_count)
	sfa-quote new --opportunity "$(cat deal_a)" --discount 5 >qa
	test_eq $((before + 1)) "$(commit_count)"
	qa=$(cat qa)
	is_id "$qa"
	# validity_days 30 from 2026-11-20
	check quotes "$qa" version:=1 status=draft currency=EUR price_book=standard \
		price_date=2026-11-20 valid_until=2026-12-20 \
		terms="Payment within 30 days of invoice." primary:=true owner=jonas \
		account="$(cat acc_de)" opportunity="$(cat deal_a)" discount=5 \
		subtotal="0.00 EUR" total="0.00 EUR" lines=- revises=-
	field quotes "$qa" number >number
	grep -Ex "Q-2026-[0-9A-Z]{6}" number
'

test_expect_success 'line and quote discount, two tax rates (half-even per line)' '
	qa=$(cat qa)
	sfa-quote add-line --discount 10 "$qa" WID-100 10
	sfa-quote add-line "$qa" BOOK-DE 3
	lines "$qa"
	# WID-100: 10 reach the band from 10: 10 x 90.00 = 900.00, less 10% = 810.00
	# BOOK-DE: 3 x 24.90 = 74.70, no line discount, reduced rate
	cat >expect <<-\EOF
	1 WID-100 10 90.00 10 810.00 19
	2 BOOK-DE 3 24.90 - 74.70 7
	EOF
	test_cmp expect lines
	# quote discount 5%: 810.00 x 0.95 = 769.50; 74.70 x 0.95 = 70.965 -> 70.96 (half-even)
	# subtotal 900.00 + 74.70 = 974.70; net 769.50 + 70.96 = 840.46
	# discount_total 974.70 - 840.46 = 134.24
	# tax 7%: 70.96 x 0.07 = 4.9672 -> 4.97; tax 19%: 769.50 x 0.19 = 146.205 -> 146.20
	# tax_total 4.97 + 146.20 = 151.17; total 840.46 + 151.17 = 991.63
	# total discount 134.24 / 974.70 = 13.8% > 10%: a manager approves
	check quotes "$qa" subtotal="974.70 EUR" discount_total="134.24 EUR" \
		tax_total="151.17 EUR" total="991.63 EUR" status=pending-approval approval_role=manager \
		taxes:="$(taxes 7:70.96:4.97 19:769.50:146.20)"
	# the first quote of the deal is its primary one: the deal amount follows it
	check opportunities "$(cat deal_a)" amount="991.63 EUR"
'

test_expect_success 'volume bands: every unit at the band the quantity reaches, at the edges' '
	sfa-quote new --opportunity "$(cat deal_m)" >qb
	qb=$(cat qb)
	for n in 9 10 49 50; do
		sfa-quote add-line "$qb" WID-100 $n || exit 1
	done
	lines "$qb"
	# bands from 1: 100.00, from 10: 90.00, from 50: 80.00
	# 9 x 100.00 = 900.00; 10 x 90.00 = 900.00; 49 x 90.00 = 4410.00; 50 x 80.00 = 4000.00
	cat >expect <<-\EOF
	1 WID-100 9 100.00 - 900.00 19
	2 WID-100 10 90.00 - 900.00 19
	3 WID-100 49 90.00 - 4410.00 19
	4 WID-100 50 80.00 - 4000.00 19
	EOF
	test_cmp expect lines
	# subtotal 900 + 900 + 4410 + 4000 = 10210.00; tax 10210.00 x 0.19 = 1939.90
	# total 10210.00 + 1939.90 = 12149.90
	check quotes "$qb" subtotal="10210.00 EUR" discount_total="0.00 EUR" \
		tax_total="1939.90 EUR" total="12149.90 EUR" status=draft primary:=true approval_role=-
'

test_expect_success 'graduated bands (book gov), and its fallback book for a product it lacks' '
	sfa-quote new --opportunity "$(cat deal_m)" --price-book gov >qc
	qc=$(cat qc)
	check quotes "$qc" price_book=gov currency=EUR primary:=false
	for n in 9 10 50 60; do
		sfa-quote add-line "$qc" WID-100 $n || exit 1
	done
	sfa-quote add-line "$qc" GADGET 2
	lines "$qc"
	# gov bands, each unit in its own: 1-9 at 95.00, 10-49 at 85.00, from 50 at 75.00;
	# list_price is the price of the band the quantity reaches
	# 9: 9 x 95.00 = 855.00
	# 10: 9 x 95.00 + 1 x 85.00 = 855.00 + 85.00 = 940.00
	# 50: 855.00 + 40 x 85.00 + 1 x 75.00 = 855.00 + 3400.00 + 75.00 = 4330.00
	# 60: 855.00 + 3400.00 + 11 x 75.00 = 855.00 + 3400.00 + 825.00 = 5080.00
	# GADGET has no gov price: the standard one valid from 2026-07-01, 2 x 55.00 = 110.00
	cat >expect <<-\EOF
	1 WID-100 9 95.00 - 855.00 19
	2 WID-100 10 85.00 - 940.00 19
	3 WID-100 50 75.00 - 4330.00 19
	4 WID-100 60 75.00 - 5080.00 19
	5 GADGET 2 55.00 - 110.00 19
	EOF
	test_cmp expect lines
	# subtotal 855 + 940 + 4330 + 5080 + 110 = 11315.00; tax x 0.19 = 2149.85
	# total 11315.00 + 2149.85 = 13464.85
	check quotes "$qc" subtotal="11315.00 EUR" tax_total="2149.85 EUR" total="13464.85 EUR"
	# not the primary quote: the deal amount is still that of the first one
	check opportunities "$(cat deal_m)" amount="12149.90 EUR"
'

test_expect_success 'dated prices: the price valid on price_date, inclusive both ends' '
	SFA_NOW=2026-06-30T09:00:00Z sfa-quote new --opportunity "$(cat deal_m)" >qd
	qd=$(cat qd)
	SFA_NOW=2026-06-30T09:00:00Z sfa-quote add-line "$qd" GADGET 2
	# on 2026-06-30 (valid_until of the old price): 2 x 50.00 = 100.00
	# tax 100.00 x 0.19 = 19.00, total 119.00
	check quotes "$qd" price_date=2026-06-30 valid_until=2026-07-30 \
		subtotal="100.00 EUR" total="119.00 EUR"
	lines "$qd"
	echo "1 GADGET 2 50.00 - 100.00 19" >expect
	test_cmp expect lines
	# on 2026-07-01 (valid_from of the new one): 2 x 55.00 = 110.00
	# tax 110.00 x 0.19 = 20.90, total 130.90
	sfa-quote set "$qd" price_date=2026-07-01
	check quotes "$qd" price_date=2026-07-01 subtotal="110.00 EUR" tax_total="20.90 EUR" \
		total="130.90 EUR"
	sfa-quote set "$qd" price_date=2026-06-30
	check quotes "$qd" subtotal="100.00 EUR" total="119.00 EUR"
'

test_expect_success 'a customer discount schedule gives lines their discount unless the rep gives one' '
	sfa-quote new --opportunity "$(cat deal_e)" >qe
	qe=$(cat qe)
	sfa-quote add-line "$qe" LIC-PRO 2
	sfa-quote add-line "$qe" WID-100 1
	sfa-quote add-line --discount 2 "$qe" WID-100 1
	sfa-quote add-line --discount 0 "$qe" WID-100 1
	lines "$qe"
	# gold: software 10%, anything else 5%; the rep gave the third line 2%, the fourth 0%
	# LIC-PRO 2 x 1290.00 = 2580.00, less 10% = 2322.00
	# WID-100 100.00 less 5% = 95.00; less 2% = 98.00; less 0% = 100.00
	cat >expect <<-\EOF
	1 LIC-PRO 2 1290.00 10 2322.00 19 from=gold
	2 WID-100 1 100.00 5 95.00 19 from=gold
	3 WID-100 1 100.00 2 98.00 19
	4 WID-100 1 100.00 0 100.00 19
	EOF
	test_cmp expect lines
	# priced again, the schedule still gives what it gave and no more
	sfa-quote set "$qe" notes="Gold customer"
	lines "$qe"
	test_cmp expect lines
	# subtotal 2580.00 + 3 x 100.00 = 2880.00; net 2322 + 95 + 98 + 100 = 2615.00
	# discount_total 2880.00 - 2615.00 = 265.00 (9.2%, no approval)
	# tax 2615.00 x 0.19 = 496.85; total 2615.00 + 496.85 = 3111.85
	check quotes "$qe" subtotal="2880.00 EUR" discount_total="265.00 EUR" \
		tax_total="496.85 EUR" total="3111.85 EUR" status=draft approval_role=-
'

test_expect_success 'rounding: half-even and half-up, per line and per total' '
	sfa-quote new --opportunity "$(cat deal_m)" >qf
	qf=$(cat qf)
	sfa-quote add-line --discount 50 "$qf" ROUND-A 1
	sfa-quote add-line --discount 50 "$qf" ROUND-A 1
	sfa-quote add-line --discount 50 "$qf" ROUND-B 1
	# exact: 12.05 / 2 = 6.025, 6.025, 4.59 / 2 = 2.295; subtotal 12.05 + 12.05 + 4.59 = 28.69
	# half-even, per line: 6.02 + 6.02 + 2.30 = 14.34; discount 28.69 - 14.34 = 14.35
	# tax 14.34 x 0.19 = 2.7246 -> 2.72; total 14.34 + 2.72 = 17.06
	lines "$qf"
	cat >expect <<-\EOF
	1 ROUND-A 1 12.05 50 6.02 19
	2 ROUND-A 1 12.05 50 6.02 19
	3 ROUND-B 1 4.59 50 2.30 19
	EOF
	test_cmp expect lines
	check quotes "$qf" subtotal="28.69 EUR" discount_total="14.35 EUR" tax_total="2.72 EUR" \
		total="17.06 EUR" taxes:="$(taxes 19:14.34:2.72)"

	# half-up, per line: 6.03 + 6.03 + 2.30 = 14.36; discount 28.69 - 14.36 = 14.33
	# tax 14.36 x 0.19 = 2.7284 -> 2.73; total 14.36 + 2.73 = 17.09
	rounding half-up line >q-up-line.json
	sfa config set quoting q-up-line.json
	sfa-quote set "$qf" notes="half-up, per line"
	lines "$qf"
	cat >expect <<-\EOF
	1 ROUND-A 1 12.05 50 6.03 19
	2 ROUND-A 1 12.05 50 6.03 19
	3 ROUND-B 1 4.59 50 2.30 19
	EOF
	test_cmp expect lines
	check quotes "$qf" subtotal="28.69 EUR" discount_total="14.33 EUR" tax_total="2.73 EUR" \
		total="17.09 EUR" taxes:="$(taxes 19:14.36:2.73)"

	# half-even, per total: exact net 6.025 + 6.025 + 2.295 = 14.345 -> 14.34
	# discount 28.69 - 14.34 = 14.35; tax 14.345 x 0.19 = 2.72555 -> 2.73
	# total 14.34 + 2.73 = 17.07
	rounding half-even total >q-even-total.json
	sfa config set quoting q-even-total.json
	sfa-quote set "$qf" notes="half-even, per total"
	check quotes "$qf" subtotal="28.69 EUR" discount_total="14.35 EUR" tax_total="2.73 EUR" \
		total="17.07 EUR" taxes:="$(taxes 19:14.34:2.73)"

	# half-up, per total: 14.345 -> 14.35; discount 28.69 - 14.35 = 14.34
	# tax 2.72555 -> 2.73; total 14.35 + 2.73 = 17.08
	rounding half-up total >q-up-total.json
	sfa config set quoting q-up-total.json
	sfa-quote set "$qf" notes="half-up, per total"
	check quotes "$qf" subtotal="28.69 EUR" discount_total="14.34 EUR" tax_total="2.73 EUR" \
		total="17.08 EUR" taxes:="$(taxes 19:14.35:2.73)"

	sfa config set quoting quoting.json
	sfa-quote set "$qf" notes="half-even, per line"
	check quotes "$qf" total="17.06 EUR"
'

test_expect_success 'rounding of a tax at an exact half: half-even keeps the even cent' '
	sfa-quote new --opportunity "$(cat deal_m)" >qx
	qx=$(cat qx)
	sfa-quote add-line "$qx" LIC-PRO 1
	sfa-quote add-line "$qx" SVC-TRAIN 20
	sfa-quote set "$qx" discount=5
	# LIC-PRO 1290.00 x 0.95 = 1225.50; SVC-TRAIN 20 x 1200.00 = 24000.00 x 0.95 = 22800.00
	# subtotal 1290.00 + 24000.00 = 25290.00; net 1225.50 + 22800.00 = 24025.50
	# discount_total 25290.00 - 24025.50 = 1264.50 (5%: no approval)
	# tax 7%: 22800.00 x 0.07 = 1596.00; tax 19%: 1225.50 x 0.19 = 232.845 -> 232.84
	# tax_total 1596.00 + 232.84 = 1828.84; total 24025.50 + 1828.84 = 25854.34
	check quotes "$qx" discount=5 subtotal="25290.00 EUR" discount_total="1264.50 EUR" \
		tax_total="1828.84 EUR" total="25854.34 EUR" status=draft \
		taxes:="$(taxes 7:22800.00:1596.00 19:1225.50:232.84)"
	# the same under half-up: 232.845 -> 232.85, total 25854.35
	rounding half-up line >q-up-line.json
	sfa config set quoting q-up-line.json
	sfa-quote set "$qx" notes=probe
	check quotes "$qx" tax_total="1828.85 EUR" total="25854.35 EUR"
	sfa config set quoting quoting.json
	sfa-quote set "$qx" notes="half-even again"
	check quotes "$qx" tax_total="1828.84 EUR" total="25854.34 EUR"
'

test_expect_success 'JPY: no decimals, the yen book and the JP tax rate' '
	sfa-quote new --opportunity "$(cat deal_g)" --price-book jpy >qg
	qg=$(cat qg)
	sfa-quote add-line --discount 7.50 "$qg" WID-100 12
	lines "$qg"
	# band from 10: 12 x 1350 = 16200, less 7.5% = 14985 (exact)
	echo "1 WID-100 12 1350 7.5 14985 10" >expect
	test_cmp expect lines
	# discount_total 16200 - 14985 = 1215; tax 10% of 14985 = 1498.5 -> 1498 (half-even)
	# total 14985 + 1498 = 16483
	check quotes "$qg" currency=JPY subtotal="16200 JPY" discount_total="1215 JPY" \
		tax_total="1498 JPY" total="16483 JPY" status=draft \
		taxes:="$(taxes 10:14985:1498)"
'

test_expect_success 'BHD: three decimals, a book made for the currency' '
	sfa-quote new --opportunity "$(cat deal_h)" --price-book bhd >qh
	qh=$(cat qh)
	sfa-quote add-line --discount 12.5% "$qh" WID-100 3
	lines "$qh"
	# 3 x 37.750 = 113.250, less 12.5% = 99.09375 -> 99.094
	echo "1 WID-100 3 37.750 12.5 99.094 10" >expect
	test_cmp expect lines
	# discount_total 113.250 - 99.094 = 14.156 (12.5%: a manager approves)
	# tax 10% of 99.094 = 9.9094 -> 9.909; total 99.094 + 9.909 = 109.003
	check quotes "$qh" currency=BHD subtotal="113.250 BHD" discount_total="14.156 BHD" \
		tax_total="9.909 BHD" total="109.003 BHD" status=pending-approval approval_role=manager \
		taxes:="$(taxes 10:99.094:9.909)"
'

# --- bundles, remove-line, set, show, list, check ------------------------------------------------

test_expect_success 'add-line of a bundle adds its fixed components under it' '
	sfa-quote new --opportunity "$(cat deal_m)" >qi
	qi=$(cat qi)
	sfa-quote add-line "$qi" LIC-PRO 1
	before=$(commit_count)
	sfa-quote add-line "$qi" STARTER-KIT 2
	test_eq $((before + 1)) "$(commit_count)"
	lines "$qi"
	# 2 kits of 2 widgets each: 4 x 100.00 = 400.00; the optional setup is not added
	cat >expect <<-\EOF
	1 LIC-PRO 1 1290.00 - 1290.00 19
	2 STARTER-KIT 2 199.00 - 398.00 19
	3 WID-100 4 100.00 - 400.00 19 bundle=2
	EOF
	test_cmp expect lines
	# 1290.00 + 398.00 + 400.00 = 2088.00; tax 396.72; total 2484.72
	check quotes "$qi" subtotal="2088.00 EUR" tax_total="396.72 EUR" total="2484.72 EUR"
	sfa-quote add-line --in 2 --optional "$qi" SVC-SETUP 1
	lines "$qi"
	cat >expect <<-\EOF
	1 LIC-PRO 1 1290.00 - 1290.00 19
	2 STARTER-KIT 2 199.00 - 398.00 19
	3 WID-100 4 100.00 - 400.00 19 bundle=2
	4 SVC-SETUP 1 135.00 - 135.00 19 bundle=2 optional
	EOF
	test_cmp expect lines
'

test_expect_success 'remove-line: the lines below move up, a bundle keeps its components' '
	qi=$(cat qi)
	sfa-quote remove-line "$qi" 1
	lines "$qi"
	cat >expect <<-\EOF
	1 STARTER-KIT 2 199.00 - 398.00 19
	2 WID-100 4 100.00 - 400.00 19 bundle=1
	3 SVC-SETUP 1 135.00 - 135.00 19 bundle=1 optional
	EOF
	test_cmp expect lines
	# a fixed component alone cannot go
	refused "bundle '"'"'STARTER-KIT'"'"' (line 1): needs 4 '"'"'WID-100'"'"'" \
		sfa-quote remove-line "$qi" 2
	refused "line 9: the quote has 3 lines" sfa-quote remove-line "$qi" 9
	before=$(store_git rev-parse main)
	test_must_fail --exit=2 sfa-quote remove-line "$qi" first 2>err
	test_grep "first" err
	test_eq "$before" "$(store_git rev-parse main)"
	# the bundle goes with its components
	sfa-quote remove-line "$qi" 1
	check quotes "$qi" lines=- subtotal="0.00 EUR" total="0.00 EUR"
'

test_expect_success 'show and list: the stored quote; filters and fields' '
	sfa-quote show --format json "$(cat qb)" "$(cat qc)" >out.json
	test_grep -F "{\"account\":\"$(cat acc_de)\"" out.json
	test_grep -F "\"id\":\"$(cat qb)\"" out.json
	test_grep -F "\"id\":\"$(cat qc)\"" out.json
	test_grep -F "\"lines\":[{\"amount\":\"900.00\",\"line\":1,\"list_price\":\"100.00\"" out.json
	test_grep -F "\"total\":\"12149.90 EUR\"" out.json
	sfa-quote list --where status=pending-approval --format ids | sort >got
	sort qa qf qh >expect
	test_cmp expect got
	sfa-quote list --where "opportunity=$(cat deal_g)" --fields version,status,total,currency \
		--format csv >got
	cat >expect <<-\EOF
	version,status,total,currency
	1,draft,16483 JPY,JPY
	EOF
	test_cmp expect got
'

test_expect_success 'check: ok against today'"'"'s catalog; an inactive product is named, exit 3' '
	qb=$(cat qb) qc=$(cat qc)
	sfa-quote check "$qb" "$qc" >out
	printf "%s\tok\n%s\tok\n" "$qb" "$qc" >expect
	test_cmp expect out
	sfa-quote product set GADGET active=false
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa-quote check "$qb" "$qc" >out 2>err
	printf "%s\tok\n" "$qb" >expect
	test_cmp expect out
	number=$(field quotes "$qc" number)
	test_grep -F "quote $number version 1: line 5: product '"'"'GADGET'"'"' is inactive" err
	test_eq "$before" "$(store_git rev-parse main)"
	sfa-quote product set GADGET active=true
	printf "%s\n%s\n" "$qc" "$qb" | sfa-quote check >out
	printf "%s\tok\n%s\tok\n" "$qc" "$qb" >expect
	test_cmp expect out
	test_must_fail --exit=1 sfa-quote check 0000000000zz >out
	test ! -s out
'

# --- approvals ----------------------------------------------------------------------------

test_expect_success 'send is refused while a quote waits for approval, or past valid_until' '
	# one refused: none of those given is sent
	refused "pending-approval" sfa-quote send "$(cat qb)" "$(cat qa)"
	check quotes "$(cat qa)" status=pending-approval sent_at=-
	check quotes "$(cat qb)" status=draft sent_at=-
	# made 2026-06-30, valid until 2026-07-30; today is 2026-11-20
	refused "was valid until 2026-07-30" sfa-quote send "$(cat qd)"
	sfa-quote set "$(cat qd)" valid_until=2026-11-21
'

test_expect_success 'approve: a rep may not, the owner (a rep) may not' '
	qa=$(cat qa)
	refused "'"'"'ana'"'"' (rep) may not approve it: it needs a manager" \
		env SFA_REP=ana sfa-quote approve "$qa"
	refused "'"'"'jonas'"'"' (rep) may not approve it" env SFA_REP=jonas sfa-quote approve "$qa"
	refused "'"'"'ana'"'"' (rep) may not approve it" env SFA_REP=ana sfa-quote set "$qa" status=approved
	check quotes "$qa" status=pending-approval approved_by=- approved_at=-
'

test_expect_success 'approve: a manager (by the email of the commit author) approves' '
	qa=$(cat qa)
	SFA_USER="Petra Novak <petra.novak@example.com>" \
	SFA_NOW=2026-11-20T11:00:00Z sfa-quote approve "$qa" 2>err
	test_grep "1 quote" err
	check quotes "$qa" status=approved approved_by=petra approved_at=2026-11-20T11:00:00Z \
		approval_role=manager total="991.63 EUR"
	# approving it again changes nothing
	before=$(store_git rev-parse main)
	SFA_REP=petra SFA_NOW=2026-11-20T12:00:00Z sfa-quote approve "$qa"
	test_eq "$before" "$(store_git rev-parse main)"
	check quotes "$qa" approved_at=2026-11-20T11:00:00Z
'

test_expect_success 'approve: the owner may not approve their own quote (self_approve false)' '
	sfa-quote new --opportunity "$(cat deal_s)" --discount 12 >qs
	qs=$(cat qs)
	sfa-quote add-line "$qs" WID-100 1
	# 100.00 less 12% = 88.00 (12% > 10%: a manager); tax 16.72; total 104.72
	check quotes "$qs" owner=petra status=pending-approval approval_role=manager total="104.72 EUR"
	refused "'"'"'petra'"'"' owns the quote and may not approve it" \
		env SFA_REP=petra sfa-quote approve "$qs"
	check quotes "$qs" status=pending-approval approved_by=-
	# a director ranks above the manager the quote needs
	SFA_REP=dora sfa-quote approve "$qs"
	check quotes "$qs" status=approved approved_by=dora
'

test_expect_success 'a quote that needs no approval cannot be approved' '
	refused "a quote that is draft cannot become approved" \
		env SFA_REP=petra sfa-quote approve "$(cat qb)"
'

test_expect_success 'approval thresholds are strict: 15% on a line and 10% in all are not over' '
	sfa-quote new --opportunity "$(cat deal_m)" >qt
	qt=$(cat qt)
	sfa-quote add-line --discount 15 "$qt" WID-100 1
	sfa-quote add-line --discount 5 "$qt" WID-100 1
	# 100.00 less 15% = 85.00, 100.00 less 5% = 95.00; discount 200.00 - 180.00 = 20.00
	# the largest line discount 15 is not over 15, the total 20.00 / 200.00 = 10% not over 10
	check quotes "$qt" status=draft approval_role=- discount_total="20.00 EUR"
	# quote discount 0.01%: 85.00 x 0.9999 = 84.9915 -> 84.99; 95.00 x 0.9999 = 94.9905 -> 94.99
	# discount 200.00 - 179.98 = 20.02, 10.01% of the subtotal: over 10
	sfa-quote set "$qt" discount=0.01
	check quotes "$qt" status=pending-approval approval_role=manager discount_total="20.02 EUR"
	# an empty value removes the quote discount
	sfa-quote set "$qt" discount=
	check quotes "$qt" status=draft approval_role=- discount=- discount_total="20.00 EUR"
	# a line over 25%: a director, though the total (45.01 / 300.00 = 15%) asks only a manager
	sfa-quote add-line --discount 25.01 "$qt" WID-100 1
	check quotes "$qt" status=pending-approval approval_role=director
'

test_expect_success 'reject: needs --reason and the role; a manager may not reject a director'"'"'s case' '
	qf=$(cat qf)
	check quotes "$qf" status=pending-approval approval_role=director
	before=$(store_git rev-parse main)
	test_must_fail --exit=2 env SFA_REP=dora sfa-quote reject "$qf" 2>err
	test_grep -e "--reason" err
	test_eq "$before" "$(store_git rev-parse main)"
	refused "'"'"'petra'"'"' (manager) may not approve it: it needs a director" \
		env SFA_REP=petra sfa-quote approve "$qf"
	refused "'"'"'petra'"'"' (manager) may not reject it" \
		env SFA_REP=petra sfa-quote reject --reason "Too cheap" "$qf"
	SFA_REP=dora sfa-quote reject --reason "Half price is too much" "$qf"
	check quotes "$qf" status=rejected rejected_by=dora rejected_reason="Half price is too much" \
		approved_by=-
	refused "rejected" sfa-quote send "$qf"
	# changed, it is priced again and asks for approval again
	sfa-quote set "$qf" notes="Second try"
	check quotes "$qf" status=pending-approval approval_role=director rejected_by=- \
		rejected_reason=-
'

test_expect_success 'a change to an approved quote needs a new approval' '
	qs=$(cat qs)
	sfa-quote set "$qs" notes="Delivery in March"
	check quotes "$qs" status=pending-approval approved_by=- approved_at=- notes="Delivery in March"
	SFA_REP=dora sfa-quote approve "$qs"
	check quotes "$qs" status=approved
'

test_expect_success 'reject an approved quote: the approval is gone, the rejection there' '
	qs=$(cat qs)
	check quotes "$qs" status=approved approved_by=dora
	SFA_REP=dora SFA_NOW=2026-11-20T15:00:00Z sfa-quote reject --reason "Customer wants more" "$qs"
	check quotes "$qs" status=rejected rejected_by=dora rejected_reason="Customer wants more" \
		approved_by=- approved_at=-
'

# --- send, revise, accept, decline, primary ----------------------------------------------------

test_expect_success 'send: approved and draft quotes, their ids read from stdin; sent_at stamped' '
	before=$(commit_count)
	cat qa qb qd | SFA_NOW=2026-11-21T09:00:00Z sfa-quote send 2>err
	test_eq $((before + 1)) "$(commit_count)"
	test_grep "3 quotes" err
	check quotes "$(cat qa)" status=sent sent_at=2026-11-21T09:00:00Z approved_by=petra
	check quotes "$(cat qb)" status=sent sent_at=2026-11-21T09:00:00Z
	# valid until the day it is sent: still valid
	check quotes "$(cat qd)" status=sent valid_until=2026-11-21
'

test_expect_success 'a sent quote does not change: revise it instead' '
	qa=$(cat qa)
	refused "sfa-quote revise" sfa-quote set "$qa" notes="one more thing"
	refused "sfa-quote revise" sfa-quote add-line "$qa" WID-100 1
	refused "sfa-quote revise" sfa-quote remove-line "$qa" 1
	refused "sfa-quote revise" sfa-quote set "$qa" discount=0
	refused "kept by sfa-quote" sfa-quote set "$qa" total="1.00 EUR"
	# not content: the owner may change
	sfa-quote set "$qa" owner=ana
	check quotes "$qa" status=sent owner=ana total="991.63 EUR"
	sfa-quote set "$qa" owner=jonas
'

test_expect_success 'revise: version 2, the same number, priced today; version 1 kept as it was' '
	qa=$(cat qa)
	# the manual costs more from now on
	sfa-quote product set BOOK-DE price="25.90 EUR"
	get quotes "$qa" v1-before
	before=$(commit_count)
	SFA_NOW=2026-11-25T10:00:00Z sfa-quote revise "$qa" >qa2
	test_eq $((before + 1)) "$(commit_count)"
	qa2=$(cat qa2)
	is_id "$qa2"
	get quotes "$qa" v1-after
	check_file v1-before status=sent primary:=true
	check_file v1-after status=superseded primary:=false
	# nothing else of version 1 changed
	grep -v -e "^  \"status\": " -e "^  \"primary\": " v1-before >v1-before.rest
	grep -v -e "^  \"status\": " -e "^  \"primary\": " v1-after >v1-after.rest
	test_cmp v1-before.rest v1-after.rest
	get quotes "$qa2" v2
	check_file v2 id="$qa2" version:=2 revises="$qa" price_date=2026-11-25 \
		valid_until=2026-12-25 primary:=true sent_at=- approved_by=- approved_at=-
	same_fields v1-before v2 number discount currency price_book account opportunity owner terms
	check_file v1-before total="991.63 EUR"
	# BOOK-DE now 25.90: 3 x 25.90 = 77.70, less 5% = 73.815 -> 73.82 (half-even)
	# subtotal 900.00 + 77.70 = 977.70; net 769.50 + 73.82 = 843.32; discount 134.38
	# tax 7%: 73.82 x 0.07 = 5.1674 -> 5.17; 19%: 146.20; tax_total 151.37
	# total 843.32 + 151.37 = 994.69; discount 13.7%: a manager approves again
	lines "$qa2"
	cat >expect <<-\EOF
	1 WID-100 10 90.00 10 810.00 19
	2 BOOK-DE 3 25.90 - 77.70 7
	EOF
	test_cmp expect lines
	check_file v2 subtotal="977.70 EUR" discount_total="134.38 EUR" tax_total="151.37 EUR" \
		total="994.69 EUR" taxes:="$(taxes 7:73.82:5.17 19:769.50:146.20)" \
		status=pending-approval approval_role=manager
	# the primary quote now: the deal amount follows it
	check opportunities "$(cat deal_a)" amount="994.69 EUR"
	refused "superseded" sfa-quote set "$qa" notes=late
	refused "nothing to revise" sfa-quote revise "$qa"
'

test_expect_success 'accept: the order made, the deal won with the quote total' '
	qa2=$(cat qa2)
	SFA_REP=petra SFA_NOW=2026-11-25T10:00:00Z sfa-quote approve "$qa2"
	SFA_NOW=2026-11-25T12:00:00Z sfa-quote accept --expected-ship 2026-12-01 "$qa2"
	check quotes "$qa2" status=accepted accepted_at=2026-11-25T12:00:00Z primary:=true \
		expected_ship=-
	get quotes "$qa2" rec
	order=$(value rec order)
	is_id "$order"
	echo "$order" >o1
	get orders "$order" order.json
	number=$(value rec number)
	check_file order.json number="O-${number#Q-}" quote="$qa2" status=confirmed \
		ordered_at=2026-11-25T12:00:00Z expected_ship=2026-12-01 total="994.69 EUR"
	same_fields rec order.json lines taxes subtotal discount_total tax_total total currency \
		opportunity account owner
	check opportunities "$(cat deal_a)" stage=closed-won amount="994.69 EUR" currency=EUR \
		closed_at=2026-11-25T12:00:00Z
'

test_expect_success 'an accepted quote never changes' '
	qa2=$(cat qa2)
	refused "accepted" sfa-quote set "$qa2" notes="after the fact"
	refused "accepted" sfa-quote add-line "$qa2" WID-100 1
	refused "accepted" sfa-quote decline "$qa2"
	refused "nothing to revise" sfa-quote revise "$qa2"
'

test_expect_success 'accept straight from draft; a quote without lines cannot be accepted' '
	SFA_NOW=2026-11-20T12:00:00Z sfa-quote accept --expected-ship 2026-11-23 "$(cat qe)"
	check quotes "$(cat qe)" status=accepted
	field quotes "$(cat qe)" order >o2
	check orders "$(cat o2)" status=confirmed total="3111.85 EUR" expected_ship=2026-11-23
	check opportunities "$(cat deal_e)" stage=closed-won amount="3111.85 EUR"
	refused "has no lines" sfa-quote accept "$(cat qi)"
'

test_expect_success 'decline: a sent quote, with the reason' '
	qb=$(cat qb)
	sfa-quote decline --reason "Bought elsewhere" "$qb"
	check quotes "$qb" status=declined declined_reason="Bought elsewhere"
	# the deal is left as it was
	check opportunities "$(cat deal_m)" stage=prospecting amount="12149.90 EUR"
	refused "declined" sfa-quote accept "$qb"
'

test_expect_success 'primary: one primary quote per deal; the deal amount follows it' '
	sfa-quote new --opportunity "$(cat deal_p)" >qp1
	sfa-quote new --opportunity "$(cat deal_p)" >qp2
	qp1=$(cat qp1) qp2=$(cat qp2)
	# 100.00 + 19% = 119.00; 2 x 100.00 = 200.00 + 19% = 238.00
	sfa-quote add-line "$qp1" WID-100 1
	sfa-quote add-line "$qp2" WID-100 2
	check quotes "$qp1" primary:=true total="119.00 EUR"
	check quotes "$qp2" primary:=false total="238.00 EUR"
	check opportunities "$(cat deal_p)" amount="119.00 EUR"
	sfa-quote primary "$qp2"
	check quotes "$qp1" primary:=false
	check quotes "$qp2" primary:=true
	check opportunities "$(cat deal_p)" amount="238.00 EUR"
	# a change to the primary quote moves the amount, one to the other does not
	sfa-quote add-line "$qp2" WID-100 1
	sfa-quote add-line "$qp1" WID-100 1
	# 200.00 + 100.00 = 300.00 + 57.00 = 357.00
	check opportunities "$(cat deal_p)" amount="357.00 EUR"
	# a primary quote without lines leaves the amount alone
	sfa-quote new --opportunity "$(cat deal_p)" >qp3
	check quotes "$(cat qp3)" primary:=false
	sfa-quote primary "$(cat qp3)"
	check quotes "$(cat qp3)" primary:=true
	check quotes "$qp2" primary:=false
	check opportunities "$(cat deal_p)" amount="357.00 EUR"
	# the quote accepted becomes the primary one: 2 x 100.00 + 19% = 238.00
	sfa-quote accept "$qp1"
	check quotes "$qp1" primary:=true status=accepted
	check quotes "$(cat qp3)" primary:=false
	check opportunities "$(cat deal_p)" amount="238.00 EUR" stage=closed-won
	field quotes "$qp1" order >o3
'

# --- orders -------------------------------------------------------------------------------

test_expect_success 'order list and show' '
	sfa-quote order list --format ids | sort >got
	sort o1 o2 o3 >expect
	test_cmp expect got
	sfa-quote order show --format json "$(cat o1)" >out.json
	test_grep -F "\"id\":\"$(cat o1)\"" out.json
	test_grep -F "\"quote\":\"$(cat qa2)\"" out.json
	test_grep -F "\"total\":\"994.69 EUR\"" out.json
	test_grep ! -F "\"id\":\"$(cat o2)\"" out.json
'

test_expect_success 'order list --late: confirmed with expected_ship before today' '
	SFA_NOW=2026-11-26T10:00:00Z sfa-quote order list --late --format ids >got
	test_cmp o2 got
	test_must_fail --exit=1 env SFA_NOW=2026-11-23T10:00:00Z sfa-quote order list --late --format ids
'

test_expect_success 'order set-status shipped: stamped, tracking kept, a task for the owner' '
	o1=$(cat o1)
	before=$(commit_count)
	SFA_NOW=2026-11-26T10:00:00Z sfa-quote order set-status --tracking 1Z999 "$o1" shipped
	test_eq $((before + 1)) "$(commit_count)"
	check orders "$o1" status=shipped shipped_at=2026-11-26T10:00:00Z tracking=1Z999
	store_git diff-tree -r --name-status --no-commit-id main >changes
	grep -E "^A[[:space:]]+activities/" changes >added
	test_line_count = 1 added
	task=$(sed -e "s|.*/||" -e "s|\.json\$||" added)
	check activities "$task" type=task related_to="$o1" owner=jonas \
		due_at=2026-11-27T10:00:00Z done:=false
	get activities "$task" task.json
	test_grep -F "$(field orders "$o1" number)" task.json
'

test_expect_success 'order status goes forward only' '
	o1=$(cat o1)
	refused "not back to confirmed" sfa-quote order set-status "$o1" confirmed
	refused "field '"'"'total'"'"'" sfa-quote order set "$o1" total="1.00 EUR"
	before=$(commit_count)
	SFA_NOW=2026-11-28T10:00:00Z sfa-quote order set-status "$o1" delivered
	test_eq $((before + 1)) "$(commit_count)"
	# delivered: one more task
	store_git diff-tree -r --name-status --no-commit-id main >changes
	test_line_count = 2 changes
	grep -E "^A[[:space:]]+activities/" changes
	SFA_NOW=2026-11-30T10:00:00Z sfa-quote order set-status "$o1" invoiced
	check orders "$o1" status=invoiced shipped_at=2026-11-26T10:00:00Z \
		delivered_at=2026-11-28T10:00:00Z invoiced_at=2026-11-30T10:00:00Z
	refused "invoiced" sfa-quote order set-status "$o1" cancelled
	refused "invoiced" sfa-quote order set-status "$o1" shipped
'

test_expect_success 'a shipped order is no longer late; cancelled, it stays so' '
	o2=$(cat o2)
	SFA_NOW=2026-11-26T10:00:00Z sfa-quote order set-status --expected-ship 2026-11-27 "$o2" shipped
	check orders "$o2" status=shipped expected_ship=2026-11-27 shipped_at=2026-11-26T10:00:00Z
	test_must_fail --exit=1 env SFA_NOW=2026-11-26T10:00:00Z sfa-quote order list --late --format ids
	sfa-quote order set-status "$o2" cancelled
	check orders "$o2" status=cancelled
	refused "is cancelled" sfa-quote order set-status "$o2" delivered
'

# --- bad input ----------------------------------------------------------------------------

test_expect_success 'add-line: an unknown sku, an inactive product' '
	qx=$(cat qx)
	refused "no product with sku '"'"'NOPE-1'"'"'" sfa-quote add-line "$qx" NOPE-1 1
	refused "product '"'"'OLD-1'"'"' is inactive" sfa-quote add-line "$qx" OLD-1 1
	sfa-quote product add sku=YACHT-1 name=Yacht tax_class=luxury price="99000.00 EUR"
	refused "no tax rate for class '"'"'luxury'"'"' in region '"'"'DE'"'"'" \
		sfa-quote add-line "$qx" YACHT-1 1
	refused "not both" sfa-quote set "$qx" notes="and send it" status=sent
'

test_expect_success 'add-line: no price in the quote'"'"'s currency names the book and product' '
	refused "no price for '"'"'GADGET'"'"' in book '"'"'jpy'"'"' in JPY" \
		sfa-quote add-line "$(cat qg)" GADGET 1
	# the whole fallback chain was looked in
	refused "no price for '"'"'SPARE-BH'"'"' in books '"'"'gov'"'"', '"'"'standard'"'"' in EUR" \
		sfa-quote add-line "$(cat qc)" SPARE-BH 1
	# prices, but none valid on the price date
	refused "no price for '"'"'GADGET'"'"' in books '"'"'gov'"'"', '"'"'standard'"'"' in EUR on 2025-12-31" \
		sfa-quote set "$(cat qc)" price_date=2025-12-31
'

test_expect_success 'add-line: quantity 0, negative, not a number' '
	qx=$(cat qx)
	refused "quantity 0: must be 1 or more" sfa-quote add-line "$qx" WID-100 0
	refused "quantity -2: must be 1 or more" sfa-quote add-line -- "$qx" WID-100 -2
	refused "quantity '"'"'two'"'"': not a whole number" sfa-quote add-line "$qx" WID-100 two
'

test_expect_success 'discounts over 100% or with three decimals' '
	qx=$(cat qx)
	refused "discount '"'"'120'"'"': over 100%" sfa-quote add-line --discount 120 "$qx" WID-100 1
	refused "discount '"'"'100.5'"'"': over 100%" sfa-quote set "$qx" discount=100.5
	refused "discount '"'"'-5'"'"': negative" sfa-quote set "$qx" discount=-5
	refused "more than two decimals" sfa-quote add-line --discount 7.125 "$qx" WID-100 1
	refused "over 100%" sfa-quote new --opportunity "$(cat deal_m)" --discount 101
'

test_expect_success 'product rules: requires, excludes, max_qty, named by the rule' '
	qx=$(cat qx)
	refused "rule 1: '"'"'PUMP-XL'"'"' requires '"'"'MOUNT-XL'"'"'" sfa-quote add-line "$qx" PUMP-XL 1
	refused "rule 2: '"'"'LIC-BASIC'"'"' excludes '"'"'LIC-PRO'"'"'" sfa-quote add-line "$qx" LIC-BASIC 1
	# 20 on the quote already: the rule counts every line of the sku
	refused "rule 3: '"'"'SVC-TRAIN'"'"' qty 21 is over the maximum 20" \
		sfa-quote add-line "$qx" SVC-TRAIN 1
	refused "line 1 ('"'"'LIC-PRO'"'"') is not a bundle" sfa-quote add-line --in 1 "$qx" WID-100 1
	# with the frame the pump may come
	sfa-quote add-line "$qx" MOUNT-XL 1
	sfa-quote add-line "$qx" PUMP-XL 1
	lines "$qx"
	test_line_count = 4 lines
'

test_expect_success 'new: an unknown book, a currency the book does not hold' '
	refused "no price book '"'"'retail'"'"'" sfa-quote new --opportunity "$(cat deal_m)" --price-book retail
	refused "price book '"'"'jpy'"'"' holds JPY prices, not EUR" \
		sfa-quote new --opportunity "$(cat deal_m)" --price-book jpy --currency EUR
'

test_expect_success 'new without --price-book: the book of the segment, the country, the currency' '
	sfa-account add name="Stadtwerke Kiel" country=DE segment=government >acc_gov
	sfa-account add name="Osaka Valves KK" country=jp >acc_jp2
	for a in acc_gov acc_jp2 acc_de; do
		sfa-stage add name="Book for $a" account="$(cat $a)" amount="1000 EUR" >deal_$a
		sfa-quote new --opportunity "$(cat deal_$a)" >q_$a
	done
	sfa-stage add name="Book by currency" account="$(cat acc_de)" amount="1000 BHD" currency=BHD >deal_bhd
	sfa-quote new --opportunity "$(cat deal_bhd)" >q_bhd
	# a currency asked for passes over the books of other currencies
	sfa-quote new --opportunity "$(cat deal_acc_jp2)" --currency EUR >q_jp_eur
	check quotes "$(cat q_acc_gov)" price_book=gov currency=EUR
	check quotes "$(cat q_acc_jp2)" price_book=jpy currency=JPY
	check quotes "$(cat q_acc_de)" price_book=standard currency=EUR
	check quotes "$(cat q_bhd)" price_book=bhd currency=BHD
	check quotes "$(cat q_jp_eur)" price_book=standard currency=EUR
'

test_expect_success 'config files with one fault each' '
	python3 config.py
	test_line_count = 11 "$(ls line-* >list && echo list)"
'

while IFS='|' read -r kind name path reason; do
	case $kind in '#'*|'') continue ;; esac
	kind=$(echo $kind) name=$(echo $name) path=$(echo $path) reason=$(echo $reason)
	test_expect_success "config set refuses $name.json ($kind) at its line and path, exit 3" '
		line=$(cat line-$kind)
		test "$line" -gt 1
		refused "config/$name.json:$line: $path: $reason" sfa config set "$name" bad-$kind.json
		store_git show "main:config/$name.json" >stored
		test_cmp "$name.json" stored
	'
done <<'EOF'
# kind | file | path | start of the reason
role | quoting | approval.rules[2].role | 'boss': expected rep, manager, director or admin
mode | quoting | rounding.mode | 'half-down': expected half-even or half-up
rate | quoting | tax.regions.DE.reduced | '7.125': more than two decimals
component | quoting | bundles.STARTER-KIT.components[0].qty | expected a whole number from 1
max | quoting | rules[2].max_qty | 3 is below min_qty 5
schedule | quoting | discounts.gold[1].percent | '120': over 100%
key | quoting | rouding | unknown key
cycle | pricebooks | books.standard.fallback | fallback cycle: standard -> gov -> standard
currency | pricebooks | books.jpy.currency | 'yen': expected an ISO 4217 code
tiers | pricebooks | books.gov.tiers | 'stepped': expected volume or graduated
default | pricebooks | default | no price book 'retail'
EOF

test_expect_success 'a quoting.json in the store that fails its checks: exit 4, at its line' '
	store_write_raw "rounding by hand" config/quoting.json bad-mode.json
	before=$(store_git rev-parse main)
	test_must_fail --exit=4 sfa-quote add-line "$(cat qx)" WID-100 1 2>err
	test_grep -F "config/quoting.json:$(cat line-mode): rounding.mode: '"'"'half-down'"'"'" err
	test_eq "$before" "$(store_git rev-parse main)"
	store_write_raw "rounding mended" config/quoting.json quoting.json
	sfa-quote check "$(cat qx)" >out
	printf "%s\tok\n" "$(cat qx)" >expect
	test_cmp expect out
'

test_done
