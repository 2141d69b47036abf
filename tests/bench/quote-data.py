#!/usr/bin/env python3
"""The catalog and the quote of the quoting benchmark (tests/bench/quote.sh).

usage: quote-data.py products GEN N > CSV
       quote-data.py stream CSV COUNT PRICEBOOKS NOW [--ids FILE [--oids]] > STREAM
       quote-data.py lines CSV COUNT > LINES

products: N products from `GEN products N` (bench/gen-data) as the CSV
`sfa-quote product import` reads: sku,name,family,unit,description,price.
gen-data gives sku, name, family and the list price with its currency
("16950.20 USD"); the rest is made here from the sku's number: one name
in ten in Bulgarian and one in ten in Chinese, a unit by kind of product,
and a description (some empty, some with commas, quotes, a line break,
Cyrillic or CJK text).

stream: a git fast-import stream of the first COUNT products of CSV as
sfa stores them, like fast-import-stream.py writes leads: products/SS/ID.json
with what `sfa-quote product import` adds to a new product (external_id =
sku, active, tax_class, created_at = NOW, the price as the one entry of
its `prices` list, in PRICEBOOKS' default book). --ids and --oids are as in
fast-import-stream.py (ids from `sfa-quote product list --fields
id,external_id --format ndjson`).

lines: the `lines` list of a quote of COUNT lines (JSON, one line) for
`sfa-quote set`: distinct skus picked from CSV (any sku again once COUNT
exceeds the catalog), quantities from 1 to 100, a discount on about one
line in four (at most 12.5%, under the approval rules of
share/examples/quoting.json) and some optional lines.

The same arguments always give the same bytes.
"""
import csv, importlib.util, json, os, random, subprocess, sys

_spec = importlib.util.spec_from_file_location(
    "fast_import_stream", os.path.join(os.path.dirname(os.path.abspath(__file__)), "fast-import-stream.py"))
_leads = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_leads)

FIELDS = ["sku", "name", "family", "unit", "description", "price"]

# gen-data's kinds of product: unit, Bulgarian and Chinese name, descriptions
KINDS = {
    "pump-s": ("each", "Помпа S", "小型水泵",
               ["Compact pump for small plants, 230 V", "Помпа за малки инсталации, 230 V",
                "", "小型离心泵, 230 V, 不锈钢"]),
    "pump-m": ("each", "Помпа M", "中型水泵",
               ["Centrifugal pump, 400 V, 15 kW", "Центробежна помпа, 400 V, 15 kW",
                "Stainless steel; \"quiet\" series", ""]),
    "pump-xl": ("each", "Помпа XL", "大型水泵",
                ["Centrifugal pump, 400 V, 55 kW, stainless steel",
                 "Needs the XL mounting frame\nDelivery 4-6 weeks", "大型离心泵, 400 V, 55 kW", ""]),
    "install": ("h", "Монтаж", "安装服务",
                ["Installation by a certified technician, per hour", "", "Монтаж на място, на час",
                 "现场安装, 按小时计费"]),
    "support-1y": ("year", "Поддръжка 1 г.", "一年技术支持",
                   ["Support, next business day, 1 year", "Поддръжка, следващия работен ден",
                    "", "一年技术支持, 下一个工作日响应"]),
    "support-3y": ("year", "Поддръжка 3 г.", "三年技术支持",
                   ["Support, next business day, 3 years, \"gold\" level", "", "Поддръжка за 3 години",
                    "三年技术支持"]),
    "sensor-kit": ("kit", "Комплект сензори", "传感器套件",
                   ["Pressure, flow and temperature sensors, cables", "Сензори за налягане, дебит",
                    "传感器套件, 含电缆", ""]),
}


def products(gen, n):
    p = subprocess.run([gen, "products", str(n)], stdout=subprocess.PIPE, check=True)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(FIELDS)
    count = 0
    for row in csv.DictReader(p.stdout.decode("utf-8").splitlines(keepends=True)):
        i = int(row["sku"].rsplit("-", 1)[1])
        kind = row["name"].rsplit(" ", 1)[0]
        unit, bg, zh, texts = KINDS[kind]
        name = {3: "%s %d" % (bg, i), 7: "%s %d" % (zh, i)}.get(i % 10, row["name"])
        price = "%s %s" % (row["list_price"], row["currency"])
        out.writerow([row["sku"], name, row["family"], unit, texts[i % len(texts)], price])
        count += 1
    if count != n:
        sys.stderr.write("quote-data.py: %s products %d: %d rows\n" % (gen, n, count))
        return 1
    return 0


def stream_setup(extra):
    """The maker of product records for PRICEBOOKS and NOW (the two extra arguments)."""
    with open(extra[0], encoding="utf-8") as f:
        book = json.load(f)["default"]
    now = extra[1]

    def product(row):
        rec = {k: v for k, v in row.items() if v != "" and k != "price"}
        amount, currency = row["price"].split(" ")
        rec.update(external_id=row["sku"], active=True, created_at=now, tax_class="standard",
                   prices=[{"book": book, "currency": currency, "min_qty": 1, "price": amount}])
        rec.setdefault("unit", "each")
        return rec
    return product


def lines(path, count):
    with open(path, newline="", encoding="utf-8") as f:
        skus = [row["sku"] for row in csv.DictReader(f)]
    r = random.Random(500)
    picked = r.sample(skus, count) if count <= len(skus) else [r.choice(skus) for _ in range(count)]
    out = []
    for sku in picked:
        line = {"sku": sku, "qty": r.choice([1, 1, 1, 2, 2, 3, 4, 5, 10, 12, 20, 25, 50, 100])}
        if r.random() < 0.25:
            line["discount"] = r.choice(["2.5", "5", "7.5", "10", "12.5"])
        if r.random() < 0.03:
            line["optional"] = True
        out.append(line)
    sys.stdout.write(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


def main(argv):
    cmd, args = (argv[1], argv[2:]) if len(argv) > 1 else (None, [])
    if cmd == "products" and len(args) == 2:
        return products(args[0], int(args[1]))
    if cmd == "stream":
        return _leads.run([argv[0] + " stream"] + args, __doc__, "products", 2, stream_setup)
    if cmd == "lines" and len(args) == 2:
        return lines(args[0], int(args[1]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
