#!/usr/bin/env python3
"""Leads with known duplicates, for measuring `sfa-lead dupes`.

usage: dupes-golden.py generate GEN-DATA N OUT.csv TRUTH.csv [--seed S]
       dupes-golden.py score TRUTH.csv DUPES.csv IDS.csv

generate: runs `GEN-DATA leads N` (whose people re-entered with the same
email, sometimes upper-cased, are duplicates already), gives some people a
phone number written the way their country writes it, and plants more
duplicates of them the way people get typed in twice: the email in other
case, the phone written nationally instead of "+CC", a name with one letter
changed or two swapped, the company written differently ("Acme Inc." and
"ACME, Inc"), the email left out. TRUTH.csv has one row per lead,
external_id,person: leads with the same person are the same one.

score: DUPES.csv is `sfa-lead dupes --format csv`, IDS.csv is
`sfa-lead list --fields id,external_id --format csv`. Prints the pairwise
precision and recall ("precision 0.991 recall 0.975") and, with -v on
stderr, the pairs found wrongly and missed.

Both are deterministic: the same arguments give the same bytes.
"""
import csv, io, random, subprocess, sys
from collections import defaultdict

# How each country writes its numbers: calling code, trunk prefix, and a
# national number (without the trunk) as groups of digits.
PHONE_STYLE = {
    "US": ("1", "", (3, 3, 4)),
    "GB": ("44", "0", (2, 4, 4)),
    "DE": ("49", "0", (2, 4, 4)),
    "FR": ("33", "0", (1, 2, 2, 2, 2)),
    "CN": ("86", "0", (2, 4, 4)),
    "BG": ("359", "0", (1, 3, 4)),
    "BR": ("55", "0", (2, 4, 4)),
    "JP": ("81", "0", (1, 4, 4)),
    "IN": ("91", "0", (2, 4, 4)),
    "TW": ("886", "0", (1, 4, 4)),
}

# Planted duplicates per kind, as a share of the N generated leads.
KINDS = [
    # email in other case, phone as in the original
    ("email-case", 0.010),
    # no email; the phone written nationally with the same country
    ("phone-national", 0.010),
    # no email; phone written with "00CC" or "+CC (0)", spaced differently
    ("phone-intl", 0.005),
    # no email, no phone; one letter of the name changed, company rewritten
    ("name-typo", 0.008),
    # no email, no phone; two letters of the name swapped, company rewritten
    ("name-swap", 0.007),
    # everything at once: other case email, typo, company, national phone
    ("mixed", 0.005),
    # as name-typo, of someone who has a namesake at the same company
    ("namesake", 0.003),
]

# gen-data's legal forms, to tell its companies apart without them
SUFFIXES = ["Inc.", "Ltd", "GmbH", "S.A.", "LLC", "有限公司", "ООД", "AB", "Corp, Ltd."]


def company_base(company):
    for suffix in SUFFIXES:
        if company.endswith(" " + suffix):
            return company[:-len(suffix) - 1].lower()
    return company.lower()


def namesake_key(row):
    return (row["first_name"].lower(), row["last_name"].lower(), company_base(row["company"]))


def national_digits(r, groups):
    first = str(r.randint(2, 9))
    rest = "".join(str(r.randint(0, 9)) for _ in range(sum(groups) - 1))
    return first + rest


def split(digits, groups):
    out, i = [], 0
    for g in groups:
        out.append(digits[i:i + g])
        i += g
    return out


def phone_intl(country, digits):
    code, trunk, groups = PHONE_STYLE[country]
    return "+%s %s" % (code, " ".join(split(digits, groups)))


def phone_national(country, digits):
    code, trunk, groups = PHONE_STYLE[country]
    parts = split(digits, groups)
    if country == "US":
        return "(%s) %s-%s" % tuple(parts)
    return trunk + " ".join(parts) if trunk else " ".join(parts)


def phone_other_intl(r, country, digits):
    code, trunk, groups = PHONE_STYLE[country]
    if not trunk:
        return "%s-%s" % (code, "-".join(split(digits, groups)))   # 1-212-555-0100
    if r.random() < 0.5:
        return "00%s %s" % (code, "".join(digits))
    return "+%s (%s)%s" % (code, trunk, "-".join(split(digits, groups)))


def company_variant(r, company):
    """The same company as someone else might type it."""
    name, _, suffix = company.partition(" ")
    if company.startswith("Nordic Pumps"):
        name, suffix = "Nordic Pumps", company[len("Nordic Pumps "):]
    variants = []
    plain = suffix.replace(".", "").replace(",", "")
    variants.append("%s, %s" % (name.upper(), plain))          # ACME, Inc
    variants.append("%s %s" % (name.lower(), suffix.lower()))  # acme inc.
    variants.append(name)                                       # Acme
    if suffix == "有限公司":
        variants.append(name + suffix)                          # 华为有限公司
    if suffix == "Inc.":
        variants.append(name + " Incorporated")
    if suffix == "Ltd":
        variants.append(name + " Limited")
    return r.choice([v for v in variants if v != company])


def typo_positions(word):
    # never the first letter: people rarely get an initial wrong
    return list(range(1, len(word)))


def name_typo(r, first, last, swap):
    """One letter of the first or last name changed (or two swapped)."""
    choices = []
    for which, word in (("first", first), ("last", last)):
        if len(word) >= 4 and all(ord(c) < 0x2E80 for c in word):
            choices.append(which)
    if not choices:
        return None
    which = r.choice(choices)
    word = first if which == "first" else last
    if swap:
        pos = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1] and word[i].isalpha()
               and word[i + 1].isalpha()]
        if not pos:
            return None
        i = r.choice(pos)
        new = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    else:
        pos = [i for i in typo_positions(word) if word[i].isalpha()]
        if not pos:
            return None
        i = r.choice(pos)
        letters = "абвгдежзиклмнопрстуфх" if "\u0400" <= word[i] <= "\u04ff" else "aeioulnrst"
        c = r.choice([c for c in letters if c != word[i].lower()])
        new = word[:i] + c + word[i + 1:]
    return (new, last) if which == "first" else (first, new)


def other_case(r, email):
    local, _, domain = email.partition("@")
    if r.random() < 0.5:
        return email.upper()
    return local.capitalize() + "@" + domain.upper()


def generate(gen_data, n, out_path, truth_path, seed):
    text = subprocess.run([gen_data, "leads", str(n)], check=True, stdout=subprocess.PIPE).stdout
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8"), newline="")))
    fields = list(rows[0])
    r = random.Random(seed)

    # the person of each row: gen-data's re-entries repeat the email (in any case)
    person = {}
    for row in rows:
        person[row["external_id"]] = "P-" + row["email"].lower()

    # originals: rows of a country with a known style, one duplicate each
    firsts = {}
    for row in rows:
        key = person[row["external_id"]]
        firsts.setdefault(key, row)
    # gen-data draws names from small lists, so different people often share
    # a name and a company; a duplicate known by its name alone is planted
    # for someone without such a namesake, except for the "namesake" kind,
    # where no one can tell which of them it is (it must not join them)
    namesakes = defaultdict(int)
    for row in firsts.values():
        namesakes[namesake_key(row)] += 1
    pool = [row for row in firsts.values() if row["country"] in PHONE_STYLE]
    r.shuffle(pool)
    unique = [row for row in pool if namesakes[namesake_key(row)] == 1]
    shared = [row for row in pool if namesakes[namesake_key(row)] > 1]

    planted, serial, kind_of = [], 0, {}
    for kind, share in KINDS:
        want = int(round(n * share))
        made = 0
        candidates = shared if kind == "namesake" else unique
        while made < want and candidates:
            orig = candidates.pop()
            country = orig["country"]
            digits = national_digits(r, PHONE_STYLE[country][2])
            dup = dict(orig)
            dup["external_id"] = "G%07d" % serial
            dup["created_at"] = "2026-%02d-%02dT%02d:%02d:00Z" % (
                r.randint(1, 6), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59))
            dup["status"] = "new"
            dup["owner"] = r.choice(["rep01", "rep02", ""])
            dup["notes"] = r.choice(["", "Called again", "Second enquiry via web form"])
            orig_phone = phone_intl(country, digits)
            if kind == "email-case":
                dup["email"] = other_case(r, orig["email"])
                dup["phone"] = orig_phone
            elif kind == "phone-national":
                dup["email"] = ""
                dup["phone"] = phone_national(country, digits)
            elif kind == "phone-intl":
                dup["email"] = ""
                dup["phone"] = phone_other_intl(r, country, digits)
            elif kind in ("name-typo", "name-swap", "mixed", "namesake"):
                name = name_typo(r, orig["first_name"], orig["last_name"], kind == "name-swap")
                if not name:
                    continue
                dup["first_name"], dup["last_name"] = name
                dup["company"] = company_variant(r, orig["company"])
                if kind == "mixed":
                    dup["email"] = other_case(r, orig["email"])
                    dup["phone"] = phone_national(country, digits)
                else:
                    dup["email"] = ""
                    dup["phone"] = ""
            orig["phone"] = orig_phone
            person[dup["external_id"]] = person[orig["external_id"]]
            kind_of[dup["external_id"]] = kind
            planted.append(dup)
            serial += 1
            made += 1

    # planted rows spread through the file, not all at its end
    out_rows = list(rows)
    for dup in planted:
        out_rows.insert(r.randint(0, len(out_rows)), dup)
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\r\n")
        w.writeheader()
        w.writerows(out_rows)
    with open(truth_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["external_id", "person", "kind"])
        for row in out_rows:
            ext = row["external_id"]
            w.writerow([ext, person[ext], kind_of.get(ext, "gen-data")])
    sys.stderr.write("%d leads, %d planted duplicates\n" % (len(out_rows), len(planted)))


def pairs_of(groups):
    out = set()
    for members in groups.values():
        m = sorted(members)
        for i in range(len(m)):
            for j in range(i + 1, len(m)):
                out.add((m[i], m[j]))
    return out


def score(truth_path, dupes_path, ids_path, verbose):
    ext_of = {}
    with open(ids_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ext_of[row["id"]] = row["external_id"]
    truth, kind = defaultdict(set), {}
    with open(truth_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            truth[row["person"]].add(row["external_id"])
            kind[row["external_id"]] = row["kind"]
    found, addresses = defaultdict(set), defaultdict(set)
    with open(dupes_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            found[row["group"]].add(ext_of[row["id"]])
            if row["email"]:
                addresses[row["group"]].add(row["email"].lower())
    want, got = pairs_of(truth), pairs_of(found)
    right = want & got
    precision = len(right) / len(got) if got else 1.0
    recall = len(right) / len(want) if want else 1.0
    print("precision %.3f recall %.3f (%d pairs found, %d right, %d known)" %
          (precision, recall, len(got), len(right), len(want)))
    # a pair is planted when one of it is; else gen-data re-entered the person
    by_kind = defaultdict(lambda: [0, 0])
    for a, b in want:
        k = kind[a] if kind[a] != "gen-data" else kind[b]
        by_kind[k][0] += 1
        by_kind[k][1] += (a, b) in got
    for k in sorted(by_kind):
        n, hit = by_kind[k]
        print("recall %s %.3f (%d of %d)" % (k, hit / n, hit, n))
    mixed = sorted(g for g, a in addresses.items() if len(a) > 1)
    print("groups with two addresses: %d%s" % (len(mixed), (" (" + ", ".join(mixed[:5]) + ")") if mixed else ""))
    if verbose:
        for p in sorted(got - want):
            sys.stderr.write("wrong %s %s\n" % p)
        for p in sorted(want - got):
            sys.stderr.write("missed %s %s\n" % p)


def main(argv):
    args = argv[1:]
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    seed = 1
    if "--seed" in args:
        k = args.index("--seed")
        seed = int(args[k + 1])
        del args[k:k + 2]
    if len(args) == 5 and args[0] == "generate":
        generate(args[1], int(args[2]), args[3], args[4], seed)
        return 0
    if len(args) == 4 and args[0] == "score":
        score(args[1], args[2], args[3], verbose)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
