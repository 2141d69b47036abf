#!/bin/sh
# sfa-quote render: the quote document as JSON, the same document as text
# (78 columns, wide characters counted as two), as HTML from the shipped
# template and from one of the store's own (checked when set and before
# use, escaping what it prints), and as an A4 PDF read back with pdftotext
# (every line, the exact total, Chinese, Japanese and Cyrillic text, pages
# with the header repeated), rasterized with pdftoppm, the same bytes every
# time.

. "$(dirname "$0")/lib.sh"

unset SFA_REP
SFA_NOW=2026-11-20T10:00:00Z
export SFA_NOW

if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null ||
	! command -v pdffonts >/dev/null || ! command -v pdftoppm >/dev/null; then
	echo "1..0 # SKIP poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm) not installed"
	test_done_called=1
	exit 0
fi

cat >pricebooks.json <<'EOF'
{
  "default": "standard",
  "books": {
    "standard": {"about": "List prices", "currency": "EUR"},
    "jpy": {"about": "Yen list", "currency": "JPY", "region": "JP"}
  }
}
EOF

cat >quoting.json <<'EOF'
{
  "company": {"name": "Nordwind Pumpen GmbH", "address": "Hafenstraße 12\n20457 Hamburg\nGermany",
              "email": "sales@nordwind.example", "phone": "+49 40 555 0100",
              "vat_id": "DE 123 456 789", "website": "nordwind.example"},
  "rounding": {"mode": "half-even", "per": "line"},
  "validity_days": 30,
  "terms": "Payment within 30 days of invoice.",
  "tax": {"default_region": "DE",
          "regions": {"DE": {"standard": "19", "reduced": "7"}, "JP": {"standard": "10"}}},
  "bundles": {
    "PUMP-XL-KIT": {"components": [{"sku": "PUMP-XL", "qty": 1}, {"sku": "MOUNT-XL", "qty": 1},
                                   {"sku": "SVC-SETUP", "qty": 1, "optional": true}]},
    "PLANT-KIT": {"components": [
      {"sku": "PART-01"}, {"sku": "PART-02"}, {"sku": "PART-03"}, {"sku": "PART-04"},
      {"sku": "PART-05"}, {"sku": "PART-06"}, {"sku": "PART-07"}, {"sku": "PART-08"},
      {"sku": "PART-09"}, {"sku": "PART-10"}]}
  }
}
EOF

cat >users.json <<'EOF'
{
  "jonas": {"name": "Jonas Weber", "email": "jonas.weber@example.com", "role": "rep"},
  "li": {"name": "Li Wei", "email": "li.wei@example.com", "role": "rep"}
}
EOF

cat >products.csv <<'EOF'
sku,name,family,unit,tax_class,description,price,price_book
PUMP-XL,Pump XL 400 V,pumps,each,standard,"Centrifugal pump, 400 V, 55 kW, stainless steel",12400.00 EUR,standard
PUMP-S,Pump S 230 V,pumps,each,standard,"Compact pump for small plants, 230 V",2150.00 EUR,standard
MOUNT-XL,Mounting frame XL,pumps,each,standard,Galvanised steel frame for Pump XL,890.00 EUR,standard
PUMP-XL-KIT,Pump XL starter kit,pumps,kit,standard,"Pump XL with its frame; setup on request",0.00 EUR,standard
SVC-SETUP,On-site setup,services,hour,standard,Commissioning by our engineers,135.00 EUR,standard
SVC-TRAIN,Operator training,services,day,reduced,"One day for up to 8 operators",1200.00 EUR,standard
SEAL-KIT,Сальниковый комплект (seal kit),spares,set,standard,Уплотнения для насосов XL,64.90 EUR,standard
VALVE-CN,止回阀 DN100 check valve,spares,each,standard,铸铁止回阀,310.00 EUR,standard
EOF

# The yen prices of two of them.
cat >yen.csv <<'EOF'
sku,name,price,price_book
VALVE-CN,止回阀 DN100 check valve,48000 JPY,jpy
SEAL-KIT,Сальниковый комплект (seal kit),9800 JPY,jpy
EOF

in_store () {
	SFA_STORE=$tmp/$1
	export SFA_STORE
}

# pdf_text FILE: the text of a PDF as pdftotext -layout reads it, into FILE.txt.
pdf_text () {
	pdftotext -layout "$1" "$1.txt"
}

# The quote number of quote ID, as render --format json shows it.
number_of () {
	sfa-quote render --format json "$1" | sed -n 's/^    "number": "\(.*\)",$/\1/p'
}

test_expect_success 'setup: a catalog, a customer with a contact, a deal' '
	sfa init -q
	sfa config set users users.json
	sfa config set pricebooks pricebooks.json
	sfa config set quoting quoting.json
	# PLANT-KIT and its ten parts, PART-NN at NN x 10.00 EUR, each with a description
	# long enough to take several lines of the PDF
	{
		echo "sku,name,family,unit,description,price"
		echo "PLANT-KIT,Plant kit,pumps,kit,Everything for one plant,1000.00 EUR"
		for n in 01 02 03 04 05 06 07 08 09 10; do
			if [ $n = 07 ]; then
				d="高压泵用的密封件和阀门组件，适用于工业供水系统，耐高温耐腐蚀，每套包含安装说明书和五年保修。"
				d="$d$d"
			else
				d="Part $n of the plant kit: a stainless steel assembly for the main circuit"
				d="$d, pressure tested to 40 bar, delivered pre-mounted on its frame, with"
				d="$d the mounting bolts, seals and the commissioning report of the factory."
			fi
			echo "PART-$n,Plant part $n,parts,each,\"$d\",$((${n#0} * 10)).00 EUR"
		done
	} >plant.csv
	sfa-quote product import products.csv
	sfa-quote product import plant.csv
	sfa-quote product import yen.csv
	sfa-account add name="Müller & Söhne <GmbH>" billing_address="Hauptstraße 5" \
		postcode=80331 city=München country=DE >acc
	sfa-contact add first_name=Greta last_name=Lindqvist email=greta@mueller.example \
		account="$(cat acc)" >con
	sfa-stage add name="Pumps for Müller" account="$(cat acc)" owner=jonas \
		close_date=2026-12-15 >deal
	for f in acc con deal; do
		is_id "$(cat $f)" || exit 1
	done
'

test_expect_success 'setup: a quote with a bundle, an optional line, wide and Cyrillic names' '
	sfa-quote new --opportunity "$(cat deal)" --contact "$(cat con)" --discount 2 \
		notes="<b>\"Tom & Jerry'"'"'s\"</b>" language=de >q1
	q1=$(cat q1)
	sfa-quote add-line "$q1" PUMP-XL-KIT 1
	sfa-quote add-line --in 1 --optional "$q1" SVC-SETUP 4
	sfa-quote add-line --discount 5 "$q1" VALVE-CN 2
	sfa-quote add-line "$q1" SEAL-KIT 10
	sfa-quote add-line "$q1" SVC-TRAIN 2
	number_of "$q1" >number1
	grep -Ex "Q-2026-[0-9A-Z]{6}" number1
'

# --- json -----------------------------------------------------------------------------

test_expect_success 'render --format json: the document, indented, keys sorted' '
	sfa-quote render --format json "$(cat q1)" >doc.json
	sed -e "s/$(cat number1)/Q-NUMBER/" doc.json >got
	# lines: 0.00; 12,400.00; 890.00; 4 x 135.00 = 540.00; 2 x 310.00 = 620.00 less 5% = 589.00;
	#        10 x 64.90 = 649.00; 2 x 1,200.00 = 2,400.00 (reduced rate)
	# subtotal 0 + 12400 + 890 + 540 + 620 + 649 + 2400 = 17,499.00
	# quote discount 2%: 12152.00 + 872.20 + 529.20 + 577.22 + 636.02 = 14,766.64 at 19%,
	#                    2352.00 at 7%; net 17118.64, discount_total 17499.00 - 17118.64 = 380.36
	# tax 14766.64 x 0.19 = 2805.6616 -> 2,805.66; 2352.00 x 0.07 = 164.64
	# tax_total 2805.66 + 164.64 = 2,970.30; total 17118.64 + 2970.30 = 20,088.94
	cat >expect <<-\EOF
	{
	  "company": {
	    "address": "Hafenstraße 12\n20457 Hamburg\nGermany",
	    "email": "sales@nordwind.example",
	    "name": "Nordwind Pumpen GmbH",
	    "phone": "+49 40 555 0100",
	    "vat_id": "DE 123 456 789",
	    "website": "nordwind.example"
	  },
	  "customer": {
	    "address": "Hauptstraße 5\n80331 München\nDE",
	    "contact": "Greta Lindqvist",
	    "email": "greta@mueller.example",
	    "name": "Müller & Söhne <GmbH>"
	  },
	  "lines": [
	    {
	      "amount": "0.00",
	      "bundle": 0,
	      "description": "Pump XL with its frame; setup on request",
	      "line": 1,
	      "list_price": "0.00",
	      "name": "Pump XL starter kit",
	      "optional": false,
	      "qty": 1,
	      "sku": "PUMP-XL-KIT",
	      "tax_rate": "19",
	      "unit": "kit"
	    },
	    {
	      "amount": "12,400.00",
	      "bundle": 1,
	      "description": "Centrifugal pump, 400 V, 55 kW, stainless steel",
	      "line": 2,
	      "list_price": "12,400.00",
	      "name": "Pump XL 400 V",
	      "optional": false,
	      "qty": 1,
	      "sku": "PUMP-XL",
	      "tax_rate": "19",
	      "unit": "each"
	    },
	    {
	      "amount": "890.00",
	      "bundle": 1,
	      "description": "Galvanised steel frame for Pump XL",
	      "line": 3,
	      "list_price": "890.00",
	      "name": "Mounting frame XL",
	      "optional": false,
	      "qty": 1,
	      "sku": "MOUNT-XL",
	      "tax_rate": "19",
	      "unit": "each"
	    },
	    {
	      "amount": "540.00",
	      "bundle": 1,
	      "description": "Commissioning by our engineers",
	      "line": 4,
	      "list_price": "135.00",
	      "name": "On-site setup",
	      "optional": true,
	      "qty": 4,
	      "sku": "SVC-SETUP",
	      "tax_rate": "19",
	      "unit": "hour"
	    },
	    {
	      "amount": "589.00",
	      "bundle": 0,
	      "description": "铸铁止回阀",
	      "discount": "5",
	      "line": 5,
	      "list_price": "310.00",
	      "name": "止回阀 DN100 check valve",
	      "optional": false,
	      "qty": 2,
	      "sku": "VALVE-CN",
	      "tax_rate": "19",
	      "unit": "each"
	    },
	    {
	      "amount": "649.00",
	      "bundle": 0,
	      "description": "Уплотнения для насосов XL",
	      "line": 6,
	      "list_price": "64.90",
	      "name": "Сальниковый комплект (seal kit)",
	      "optional": false,
	      "qty": 10,
	      "sku": "SEAL-KIT",
	      "tax_rate": "19",
	      "unit": "set"
	    },
	    {
	      "amount": "2,400.00",
	      "bundle": 0,
	      "description": "One day for up to 8 operators",
	      "line": 7,
	      "list_price": "1,200.00",
	      "name": "Operator training",
	      "optional": false,
	      "qty": 2,
	      "sku": "SVC-TRAIN",
	      "tax_rate": "7",
	      "unit": "day"
	    }
	  ],
	  "opportunity": {
	    "name": "Pumps for Müller"
	  },
	  "owner": {
	    "email": "jonas.weber@example.com",
	    "name": "Jonas Weber"
	  },
	  "quote": {
	    "currency": "EUR",
	    "date": "2026-11-20",
	    "language": "de",
	    "notes": "<b>\"Tom & Jerry'"'"'s\"</b>",
	    "number": "Q-NUMBER",
	    "price_book": "standard",
	    "status": "draft",
	    "terms": "Payment within 30 days of invoice.",
	    "valid_until": "2026-12-20",
	    "version": 1
	  },
	  "totals": {
	    "currency": "EUR",
	    "discount": "2",
	    "discount_total": "380.36",
	    "subtotal": "17,499.00",
	    "tax_total": "2,970.30",
	    "taxes": [
	      {
	        "base": "2,352.00",
	        "rate": "7",
	        "tax": "164.64"
	      },
	      {
	        "base": "14,766.64",
	        "rate": "19",
	        "tax": "2,805.66"
	      }
	    ],
	    "total": "20,088.94"
	  }
	}
	EOF
	test_cmp expect got
'

test_expect_success 'render: the date of a sent quote is the day it was sent' '
	sfa-quote new --opportunity "$(cat deal)" >q-sent
	sfa-quote add-line "$(cat q-sent)" PUMP-S 1
	SFA_NOW=2026-11-27T09:00:00Z sfa-quote send "$(cat q-sent)"
	sfa-quote render --format json "$(cat q-sent)" >sent.json
	test_grep -Fx "    \"date\": \"2026-11-27\"," sent.json
	test_grep -Fx "    \"status\": \"sent\"," sent.json
	test_grep -Fx "    \"total\": \"2,558.50\"" sent.json
'

# --- text -----------------------------------------------------------------------------

test_expect_success 'render --format text: 78 columns at most, wide characters counted as two' '
	sfa-quote render --format text "$(cat q1)" >q1.txt
	test "$(wc -L <q1.txt)" -le 78
	# a row of a line ends with its amount at the right edge, whatever its characters
	grep -E "^[1-7] " q1.txt >rows
	test_line_count = 7 rows
	while IFS= read -r row; do
		printf "%s\n" "$row" | wc -L
	done <rows | sort -u >widths
	echo 78 >expect
	test_cmp expect widths
	test_grep -E "^5 .*止回阀 DN100 check valve .* 589\.00$" rows
	test_grep -E "^6 .*Сальниковый комплект \(seal kit\) .* 649\.00$" rows
'

test_expect_success 'render --format text: every line, components indented, the optional marked' '
	q1=$(cat q1)
	for sku in PUMP-XL-KIT PUMP-XL MOUNT-XL SVC-SETUP VALVE-CN SEAL-KIT SVC-TRAIN; do
		test_grep -F "$sku" q1.txt || exit 1
	done
	# the item column of a component starts further right than that of its bundle
	kit=$(grep "^1 " rows | awk "{ print index(\$0, \"Pump XL starter kit\") }")
	pump=$(grep "^2 " rows | awk "{ print index(\$0, \"Pump XL 400 V\") }")
	test "$kit" -gt 1
	test "$pump" -gt "$kit"
	test_grep -i "optional" q1.txt
	grep "^4 " rows >row4
	test_grep -i "optional" row4
	grep -v "^4 " rows >others
	test_grep ! -i "optional" others
	test_grep -E "Total +EUR 20,088\.94$" q1.txt
	test_grep -E "Subtotal +17,499\.00$" q1.txt
	test_grep -F "$(cat number1)" q1.txt
	test_grep -F "Müller & Söhne <GmbH>" q1.txt
	test_grep -F "<b>\"Tom & Jerry'"'"'s\"</b>" q1.txt
'

# --- html -----------------------------------------------------------------------------

test_expect_success 'render (html): the shipped template, every value escaped' '
	q1=$(cat q1)
	sfa-quote render "$q1" >q1.html
	sfa-quote render --format html -o q1-file.html "$q1"
	test_cmp q1.html q1-file.html
	test_grep -F "<title>Quote $(cat number1) for Müller &amp; Söhne &lt;GmbH&gt;</title>" q1.html
	test_grep -F "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;" q1.html
	test_grep ! -F "<b>\"Tom" q1.html
	test_grep ! -F "Müller & Söhne" q1.html
	test_grep ! -F "{{" q1.html
	for sku in PUMP-XL-KIT PUMP-XL MOUNT-XL SVC-SETUP VALVE-CN SEAL-KIT SVC-TRAIN; do
		test_grep -F "<td class=\"sku\">$sku</td>" q1.html || exit 1
	done
	test_grep -F "止回阀 DN100 check valve" q1.html
	test_grep -F "Сальниковый комплект (seal kit)" q1.html
	test_grep -F "EUR 20,088.94" q1.html
	grep -c "<tr class=\"line component" q1.html >n
	echo 3 >expect
	test_cmp expect n
	grep -c "<tr class=\"line component optional\">" q1.html >n
	echo 1 >expect
	test_cmp expect n
'

cat >own.html <<'EOF'
{{! The short form of a quote, for a mail.
    This comment leaves nothing behind. }}
<h1>{{quote.number}} v{{quote.version}}</h1>
<p>{{customer.name|upper}} / {{owner.name|lower}} / {{quote.price_book|upper}}</p>
<p>Valid until {{quote.valid_until|date:"%d %B %Y"}}, {{opportunity.name|default:"no deal"}}</p>
<ul>
{{#each lines}}
  <li class="{{#if @first}}first{{/if}}{{#if @last}}last{{/if}}">{{@number}}/{{@index}} {{sku}}: {{name}} {{#if bundle}}(in {{bundle}}){{else}}(main){{/if}}{{#if optional}} optional{{/if}} = {{amount}} {{quote.currency}}{{#if discount}} less {{discount}}%{{/if}}</li>
{{/each}}
</ul>
{{#if quote.notes}}
<p>{{quote.notes}}</p>
<div>{{{quote.notes}}}</div>
{{/if}}
{{#unless customer.phone_missing_is_no_field}}
{{/unless}}
{{#each totals.taxes}}
<p>Tax {{rate}}% on {{base}}: {{tax}}</p>
{{/each}}
<p>Total {{totals.currency}} {{totals.total}}</p>
EOF

test_expect_success 'a template with a field a document cannot have is refused at its line' '
	before=$(store_git rev-parse main)
	test_must_fail --exit=3 sfa config set quote.html own.html 2>err
	line=$(grep -n phone_missing_is_no_field own.html | cut -d: -f1)
	test_grep -F "config/quote.html:$line: unknown field '"'"'customer.phone_missing_is_no_field'"'"'" err
	test_eq "$before" "$(store_git rev-parse main)"
'

test_expect_success 'config set quote.html: the store'"'"'s own template, used by render' '
	sed -e "s/{{#unless customer.phone_missing_is_no_field}}/{{#unless customer.email}}<p>no email<\/p>/" \
		own.html >own2.html
	sfa config check quote.html own2.html
	sfa config set quote.html own2.html
	store_git show main:config/quote.html >stored
	test_cmp own2.html stored
	sfa-quote render "$(cat q1)" >got
	sed -e "s/$(cat number1)/Q-NUMBER/" got >got.n
	cat >expect <<-\EOF
	<h1>Q-NUMBER v1</h1>
	<p>MÜLLER &amp; SÖHNE &lt;GMBH&gt; / jonas weber / STANDARD</p>
	<p>Valid until 20 December 2026, Pumps for Müller</p>
	<ul>
	  <li class="first">1/0 PUMP-XL-KIT: Pump XL starter kit (main) = 0.00 EUR</li>
	  <li class="">2/1 PUMP-XL: Pump XL 400 V (in 1) = 12,400.00 EUR</li>
	  <li class="">3/2 MOUNT-XL: Mounting frame XL (in 1) = 890.00 EUR</li>
	  <li class="">4/3 SVC-SETUP: On-site setup (in 1) optional = 540.00 EUR</li>
	  <li class="">5/4 VALVE-CN: 止回阀 DN100 check valve (main) = 589.00 EUR less 5%</li>
	  <li class="">6/5 SEAL-KIT: Сальниковый комплект (seal kit) (main) = 649.00 EUR</li>
	  <li class="last">7/6 SVC-TRAIN: Operator training (main) = 2,400.00 EUR</li>
	</ul>
	<p>&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;</p>
	<div><b>"Tom & Jerry'"'"'s"</b></div>
	<p>Tax 7% on 2,352.00: 164.64</p>
	<p>Tax 19% on 14,766.64: 2,805.66</p>
	<p>Total EUR 20,088.94</p>
	EOF
	test_cmp expect got.n
'

while IFS='~' read -r kind text reason; do
	case $kind in '#'*|'') continue ;; esac
	kind=$(echo $kind) reason=$(echo $reason)
	test_expect_success "config set quote.html refuses a template ($kind) at its line" '
		printf "%s\n" "<h1>{{quote.number}}</h1>" "<ul>" "$text" "</ul>" >bad.html
		before=$(store_git rev-parse main)
		test_must_fail --exit=3 sfa config set quote.html bad.html 2>err
		test_grep -F "config/quote.html:3: $reason" err
		test_must_fail --exit=3 sfa config check quote.html bad.html 2>err2
		test_cmp err err2
		test_eq "$before" "$(store_git rev-parse main)"
		store_git show main:config/quote.html >stored
		test_cmp own2.html stored
	'
done <<'EOF'
# kind ~ line 3 of the template ~ the error
field ~ <li>{{customer.nmae}}</li> ~ unknown field 'customer.nmae'
line field ~ {{#each lines}}<li>{{sku}} {{colour}}</li>{{/each}} ~ unknown field 'colour'
not a list ~ {{#each customer}}<li>{{name}}</li>{{/each}} ~ field 'customer' is not a list
unclosed ~ {{#if quote.notes}}<li>{{quote.notes}}</li> ~ '{{#if quote.notes}}' is not closed
mismatched ~ {{#each lines}}<li>{{sku}}</li>{{/if}} ~ '{{/if}}' closes '{{#each lines}}' opened at line 3
filter ~ <li>{{quote.number|reverse}}</li> ~ unknown filter 'reverse'
EOF

test_expect_success 'a broken template written to the store by hand: html refused, exit 3' '
	printf "%s\n" "<h1>{{quote.number}}</h1>" "<p>{{quote.nomber}}</p>" >broken.html
	store_write_raw "template by hand" config/quote.html broken.html
	test_must_fail --exit=3 sfa-quote render "$(cat q1)" >out 2>err
	test ! -s out
	test_grep -F "config/quote.html:2: unknown field '"'"'quote.nomber'"'"'" err
	# the built-in layouts do not use it
	sfa-quote render --format text "$(cat q1)" >out.txt
	test_cmp q1.txt out.txt
	store_write_raw "template mended" config/quote.html own2.html
	sfa-quote render "$(cat q1)" >out.html
	test_cmp got out.html
'

# --- pdf ------------------------------------------------------------------------------

test_expect_success 'render --format pdf: one A4 page, its title the quote number' '
	sfa-quote render --format pdf -o q1.pdf "$(cat q1)"
	printf "%%PDF-" >expect
	head -c 5 q1.pdf >got
	test_cmp expect got
	pdfinfo q1.pdf >info
	test_grep -Ex "Title: +$(cat number1)" info
	test_grep -Ex "Creator: +sfa" info
	test_grep -Ex "Pages: +1" info
	test_grep -E "^Page size: +595\.2[0-9] x 841\.8[0-9] pts \(A4\)" info
	# dated the day the quote was made, not the day it was rendered
	pdfinfo -isodates q1.pdf >info
	test_grep -E "^CreationDate: +2026-11-20T00:00:00(Z|\+00)" info
'

test_expect_success 'the PDF read back: every line'"'"'s sku and name, the exact total' '
	pdf_text q1.pdf
	while IFS="|" read -r sku name; do
		test_grep -F "$sku" q1.pdf.txt || exit 1
		test_grep -F "$name" q1.pdf.txt || exit 1
	done <<-\EOF
	PUMP-XL-KIT|Pump XL starter kit
	PUMP-XL|Pump XL 400 V
	MOUNT-XL|Mounting frame XL
	SVC-SETUP|On-site setup
	VALVE-CN|止回阀 DN100 check valve
	SEAL-KIT|Сальниковый комплект (seal kit)
	SVC-TRAIN|Operator training
	EOF
	test_grep -F "铸铁止回阀" q1.pdf.txt
	test_grep -F "Уплотнения для насосов XL" q1.pdf.txt
	test_grep -E "Total +EUR 20,088\.94" q1.pdf.txt
	test_grep -E "Subtotal +17,499\.00" q1.pdf.txt
	test_grep -F "2,805.66" q1.pdf.txt
	test_grep -F "164.64" q1.pdf.txt
	test_grep -F "Müller & Söhne <GmbH>" q1.pdf.txt
	test_grep -F "Greta Lindqvist" q1.pdf.txt
	test_grep -F "Jonas Weber" q1.pdf.txt
	test_grep -F "<b>\"Tom & Jerry'"'"'s\"</b>" q1.pdf.txt
	test_grep -F "Page 1 of 1" q1.pdf.txt
'

test_expect_success 'the PDF: components indented under their bundle, the optional one marked' '
	kit=$(grep -F "Pump XL starter kit" q1.pdf.txt | awk "{ print index(\$0, \"Pump XL starter kit\") }")
	pump=$(grep -F "Pump XL 400 V" q1.pdf.txt | awk "{ print index(\$0, \"Pump XL 400 V\") }")
	test "$kit" -gt 1
	test "$pump" -gt "$kit"
	grep -F "On-site setup" q1.pdf.txt >setup
	test_grep -i "optional" setup
	grep -F "止回阀 DN100 check valve" q1.pdf.txt >valve
	test_grep ! -i "optional" valve
'

test_expect_success 'the PDF embeds its fonts, DejaVu Sans and WenQuanYi Micro Hei' '
	pdffonts q1.pdf >fonts
	test_grep -E "DejaVuSans +.* yes +yes" fonts
	test_grep -E "WenQuanYiMicroHei +.* yes +yes" fonts
	test_grep ! -E " no +(yes|no) +(yes|no) +[0-9]+ +[0-9]+$" fonts
'

test_expect_success 'the same quote gives the same bytes: to a pipe, later, again' '
	q1=$(cat q1)
	sfa-quote render --format pdf "$q1" >q1-pipe.pdf
	cmp q1.pdf q1-pipe.pdf
	SFA_NOW=2027-01-15T08:00:00Z sfa-quote render --format pdf -o q1-later.pdf "$q1"
	cmp q1.pdf q1-later.pdf
'

test_expect_success 'pdftoppm: the page rasterizes as A4 with ink on it' '
	pdftoppm -r 36 -gray -f 1 -l 1 q1.pdf page
	ls page*.pgm >pages
	test_line_count = 1 pages
	pgm=$(cat pages)
	# P5, then width and height (A4 at 36 dpi: 297.6 x 420.9 pixels), then 255
	head -c 20 "$pgm" | tr "\n" " " | cut -d" " -f1-4 >header
	test_grep -Ex "P5 (297|298) (420|421) 255" header
	# the share of dark pixels: text and rules, not an empty page
	size=$(wc -c <"$pgm")
	dark=$(tail -c $((298 * 421)) "$pgm" | od -An -v -tu1 |
		awk "{ for (i = 1; i <= NF; i++) if (\$i < 128) n++ } END { print n + 0 }")
	test "$dark" -gt 1000
	test "$dark" -lt $((size / 4))
'

test_expect_success 'a long quote: more pages, the header on each, every line read back' '
	sfa-quote new --opportunity "$(cat deal)" >q2
	q2=$(cat q2)
	sfa-quote add-line "$q2" PLANT-KIT 1
	sfa-quote render --format pdf -o q2.pdf "$q2"
	pdfinfo q2.pdf >info
	pages=$(sed -n "s/^Pages: *//p" info)
	test "$pages" -ge 2
	pdf_text q2.pdf
	for n in 01 02 03 04 05 06 07 08 09 10; do
		test_grep -F "PART-$n" q2.pdf.txt || exit 1
		test_grep -F "Plant part $n" q2.pdf.txt || exit 1
	done
	test_grep -F "高压泵用的密封件" q2.pdf.txt
	# 1000.00 + (10 + 20 + ... + 100) = 1000.00 + 550.00 = 1550.00; tax 19% 294.50; total 1844.50
	test_grep -E "Total +EUR 1,844\.50" q2.pdf.txt
	test_grep -F "Page 1 of $pages" q2.pdf.txt
	test_grep -F "Page $pages of $pages" q2.pdf.txt
	pdftotext -layout -f 2 -l 2 q2.pdf page2.txt
	test_grep -F "Unit price" page2.txt
	test_grep -F "Page 2 of $pages" page2.txt
'

test_expect_success 'JPY, a Japanese customer: no decimals, the CJK name in the PDF and text' '
	sfa-account add name="東京ポンプ株式会社" city=東京 country=JP >acc_jp
	sfa-stage add name="Valves for Tokyo" account="$(cat acc_jp)" owner=li >deal_jp
	sfa-quote new --opportunity "$(cat deal_jp)" --price-book jpy >q3
	q3=$(cat q3)
	sfa-quote add-line "$q3" VALVE-CN 3
	sfa-quote add-line --discount 2.5 "$q3" SEAL-KIT 12
	# 3 x 48000 = 144000; 12 x 9800 = 117600 less 2.5% = 114660
	# subtotal 261600; discount 2940; tax 10% of 258660 = 25866; total 284526
	sfa-quote render --format pdf -o q3.pdf "$q3"
	pdf_text q3.pdf
	test_grep -F "東京ポンプ株式会社" q3.pdf.txt
	test_grep -F "Li Wei" q3.pdf.txt
	test_grep -E "Total +JPY 284,526" q3.pdf.txt
	test_grep -E "Subtotal +261,600" q3.pdf.txt
	test_grep -F "114,660" q3.pdf.txt
	test_grep -F "25,866" q3.pdf.txt
	sfa-quote render --format text "$q3" >q3.txt
	test "$(wc -L <q3.txt)" -le 78
	test_grep -F "東京ポンプ株式会社" q3.txt
	test_grep -E "Total +JPY 284,526$" q3.txt
'

test_expect_success 'a quote without lines renders in every format' '
	sfa-quote new --opportunity "$(cat deal)" >q0
	q0=$(cat q0)
	sfa-quote render --format json "$q0" >q0.json
	test_grep -Fx "  \"lines\": []," q0.json
	test_grep -Fx "    \"total\": \"0.00\"" q0.json
	sfa-quote render --format text "$q0" >q0.txt
	test_grep -E "Total +EUR 0\.00$" q0.txt
	sfa-quote render --format pdf -o q0.pdf "$q0"
	pdf_text q0.pdf
	test_grep -E "Total +EUR 0\.00" q0.pdf.txt
	test_grep -F "Page 1 of 1" q0.pdf.txt
	# the store'"'"'s template has no {{else}} for an empty list: nothing between <ul> and </ul>
	sfa-quote render "$q0" >q0.html
	sed -n "/<ul>/,/<\/ul>/p" q0.html >list
	printf "<ul>\n</ul>\n" >expect
	test_cmp expect list
'

# --- refused --------------------------------------------------------------------------

test_expect_success 'render: a bad format, two quotes, a PDF for a terminal are usage errors' '
	q1=$(cat q1)
	test_must_fail --exit=2 sfa-quote render --format docx "$q1" >out 2>err
	test ! -s out
	test_grep -F "docx" err
	test_must_fail --exit=2 sfa-quote render --format text "$q1" "$(cat q2)" >out
	test ! -s out
	test_expect_code 2 script -qec "sfa-quote render --format pdf $q1" /dev/null >out
	test_grep "terminal" out
	test_grep ! -F "%PDF" out
'

test_expect_success 'render: an unknown quote exits 1; a file -o cannot write, 3' '
	test_must_fail --exit=1 sfa-quote render --format text 0000000000zz >out 2>err
	test ! -s out
	test_grep -F "0000000000zz" err
	test_must_fail --exit=3 sfa-quote render --format pdf -o "no dir/q.pdf" "$(cat q1)" 2>err
	test_grep -F "no dir/q.pdf" err
	ls >files
	test_grep ! -F ".tmp" files
'

test_done
