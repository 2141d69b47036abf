# sfa — sales force automation as Unix tools.
# make [all] | check | demo | bench | fuzz | install | uninstall | clean | deps

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec/sfa
MANDIR     = $(PREFIX)/share/man
DATADIR    = $(PREFIX)/share/sfa
COMPDIR    = $(PREFIX)/share/bash-completion/completions

# Build directory: plain builds go to build/, the sanitizer build for
# `make check` to build/asan so the two never mix objects.
B      ?= build
CC     ?= cc
CFLAGS ?= -O2 -g
PKGS    = libgit2 jansson sqlite3 pangocairo libcurl
SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ifeq ($(SAN),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif

SFA_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	-Iinclude $(shell pkg-config --cflags $(PKGS)) \
	-DSFA_VERSION='"$(VERSION)"' -DSFA_LIBEXECDIR='"$(LIBEXECDIR)"'
SFA_LIBS = $(shell pkg-config --libs $(PKGS)) -lcsv -lz -lmbedcrypto -lm

LIB_SRC  = $(sort $(wildcard lib/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
CMDS     = $(notdir $(basename $(wildcard cmd/*.c)))
BINS     = $(CMDS:%=$(B)/bin/%)
UNIT_SRC = $(sort $(wildcard tests/unit/t-*.c))
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MAN      = $(wildcard docs/*.[157])
HDRS     = $(wildcard include/sfa/*.h lib/*.h)

# Debian packages the build, the tests and the benchmarks need.
DEBS = build-essential pkg-config libgit2-dev libcsv-dev libjansson-dev \
	libsqlite3-dev zlib1g-dev libmbedtls-dev sqlite3 git python3 perl \
	clang libclang-rt-14-dev procps time python3-icalendar tzdata miller \
	libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-wqy-microhei poppler-utils \
	libcurl4-openssl-dev ca-certificates python3-aiosmtpd msmtp curl \
	openssh-server openssh-client git-filter-repo openssl

.PHONY: all check check-run demo bench fuzz install uninstall clean deps units
# Objects of cmd/ and tests/unit/ are kept, not treated as intermediates.
.SECONDARY:

all: $(BINS)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SFA_CFLAGS) $(CFLAGS) -c -o $@ $<

# The shipped default configuration is built into the library (.incbin).
$(B)/lib/defaults.o: share/config/schema.json share/config/scoring.json share/config/pipelines.json \
	share/config/pricebooks.json share/config/quoting.json share/templates/quote.html

$(B)/libsfa.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/bin/%: $(B)/cmd/%.o $(B)/libsfa.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SFA_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/tests/unit/unit.o $(B)/libsfa.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(SFA_LIBS)

units: $(UNITS)

# deps installs what is missing (as root, or through sudo when present).
deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi

# The tests run against a build with AddressSanitizer and UBSan; fontconfig's
# configuration, kept for the life of a process, is no leak.
LSAN = LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0
SLOW_TESTS = tests/t1700-sync.sh tests/t0900-fuzz-readers.sh tests/t1600-mail.sh
check: deps
	@$(MAKE) --no-print-directory check-run

check-run:
	@$(MAKE) --no-print-directory -j2 B=build/asan SAN=1 all units
	@$(MAKE) --no-print-directory -j2 all
	@$(MAKE) --no-print-directory -j2 fuzz
	@# the longest scripts first, so that the two jobs end together
	SFA_BUILD=build/asan SFA_CRASH_BUILD=build SFA_FUZZ=build/fuzz $(LSAN) prove -j2 --timer $(SLOW_TESTS) \
		build/asan/tests/t-* $(filter-out $(SLOW_TESTS),$(wildcard tests/t[01]*.sh))
	@# the crash, concurrency and signal tests time their kills: one at a time, nothing beside them
	SFA_BUILD=build/asan SFA_CRASH_BUILD=build $(LSAN) prove --timer tests/t2*.sh

FUZZERS = $(notdir $(basename $(wildcard tests/fuzz/fuzz-*.c)))
fuzz: $(addprefix $(B)/fuzz/,$(FUZZERS))

$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(HDRS)
	@mkdir -p $(B)/fuzz
	@echo "  FUZZ $*"
	@clang -g -O1 -fsanitize=fuzzer,address,undefined $(SFA_CFLAGS) -o $@ $< $(LIB_SRC) $(SFA_LIBS)

# The day of an ops team on the sample data: the leads, a nightly import of
# web-form leads from another system's export (duplicates skipped), scoring,
# assignment by territory, a search, a conversion; then the deal it made
# through the pipeline with a meeting and a call, won, its stage history,
# the customer card and the calendar of the rep who owns it.
# ($(DEMO) sets the store and the author for every step.)
DEMO = SFA_STORE=$(B)/demo-store PATH=$(CURDIR)/$(B)/bin:$$PATH SFA_USER="Demo Ops <ops@example.com>"
demo: deps
	@$(MAKE) --no-print-directory all
	rm -rf $(B)/demo-store
	$(DEMO) sfa init $(B)/demo-store
	$(DEMO) sfa-lead import share/sample/leads.csv
	$(DEMO) sfa config set users share/examples/users.json
	$(DEMO) sfa config set assignment share/examples/assignment.json
	$(DEMO) sfa-lead import --dedupe=skip share/sample/web-leads.csv
	$(DEMO) sfa-lead score --all >/dev/null
	$(DEMO) sfa-lead assign --rules --format table
	$(DEMO) sfa-lead list --since 1d --sort -score --fields first_name,last_name,company,country,owner,score,grade --format table
	$(DEMO) sfa-lead search 报价 --fields first_name,last_name,company,notes --format table
	$(DEMO) sfa-lead convert --opportunity "Pumps for Nordic" --amount "48000 EUR" --close-date 2027-03-31 \
		$$($(DEMO) sfa-lead list --where email=greta.lindqvist@nordicpumps.example --format ids)
	$(DEMO) sfa-stage move $$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids) needs-analysis
	$(DEMO) SFA_REP=jonas sfa-activity log meeting --on "$$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids)" \
		--due "tomorrow 10:00" --duration 1h30m --location "Nordic Pumps, Göteborg" --subject "Demo: pump-xl, sensors"
	$(DEMO) SFA_REP=jonas sfa-activity log call --on "$$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids)" \
		--note "Budget approved; wants the proposal before the demo"
	$(DEMO) sfa-stage move $$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids) proposal
	$(DEMO) sfa-stage list --stage proposal --format table
	$(DEMO) SFA_REP=jonas sfa-activity agenda --week --format table
	@# the quote: catalog, price books and rules; a gold customer; a discount over 10% waits for a manager;
	@# the customer gets a PDF; accepting it makes the order and wins the deal at the quote's total
	$(DEMO) sfa config set quoting share/examples/quoting.json
	$(DEMO) sfa config set pricebooks share/examples/pricebooks.json
	$(DEMO) sfa-quote product import share/sample/products.csv
	$(DEMO) sfa-account set $$($(DEMO) sfa-account list --where 'name~nordic pumps' --format ids | head -1) discount_schedule=gold
	$(DEMO) sfa-quote new --opportunity "$$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids)" \
		--contact "$$($(DEMO) sfa-contact list --where email=greta.lindqvist@nordicpumps.example --format ids)" > $(B)/demo-quote.id
	$(DEMO) sfa-quote add-line $$(cat $(B)/demo-quote.id) PUMP-XL-KIT 2
	$(DEMO) sfa-quote add-line $$(cat $(B)/demo-quote.id) SENSOR-P 12
	$(DEMO) sfa-quote add-line $$(cat $(B)/demo-quote.id) SVC-TRAIN 2 --discount 12.5
	$(DEMO) sfa-quote add-line $$(cat $(B)/demo-quote.id) VALVE-CN 1
	$(DEMO) sfa-quote list --fields number,version,status,approval_role,total --format table
	$(DEMO) SFA_REP=petra sfa-quote approve $$(cat $(B)/demo-quote.id)
	$(DEMO) SFA_REP=jonas sfa-quote send $$(cat $(B)/demo-quote.id)
	@# the classic campaign: everyone who asked about the pump-xl gets a letter with their quote (a
	@# PDF made from the store), once however often this runs; here into a maildir rather than a server
	$(DEMO) sfa-mail template add offer share/examples/mail-offer.txt
	$(DEMO) sfa-mail template add --lang de offer share/examples/mail-offer.de.txt
	rm -rf $(B)/demo-mail
	$(DEMO) sfa-lead search pump-xl --format json | \
		$(DEMO) sfa-mail send --template offer --campaign pump-xl-2026-11 --attach-quote \
		--maildir $(B)/demo-mail --format table
	$(DEMO) sfa-quote render --format text $$(cat $(B)/demo-quote.id)
	$(DEMO) sfa-quote render --format pdf -o $(B)/demo-quote.pdf $$(cat $(B)/demo-quote.id)
	$(DEMO) sfa-quote render --format html -o $(B)/demo-quote.html $$(cat $(B)/demo-quote.id)
	@echo "quote: $(B)/demo-quote.pdf, $(B)/demo-quote.html"
	$(DEMO) SFA_REP=jonas sfa-quote accept --expected-ship 2026-12-15 $$(cat $(B)/demo-quote.id)
	$(DEMO) sfa-quote order list --fields number,status,total,expected_ship --format table
	$(DEMO) sfa-stage history $$($(DEMO) sfa-stage list --where 'name=Pumps for Nordic' --format ids) --format table
	$(DEMO) sfa-account show --timeline $$($(DEMO) sfa-account list --where 'name~nordic pumps' --format ids | head -1) --format table
	$(DEMO) SFA_REP=jonas sfa-activity export --ics --tz Europe/Stockholm > $(B)/demo-jonas.ics
	@echo "calendar for jonas: $(B)/demo-jonas.ics ($$(grep -c BEGIN:VEVENT $(B)/demo-jonas.ics) events)"
	$(DEMO) sfa log --limit 8
	@# the sales team's deals, exchange rates and quotas, a week of moves, then the daily report job
	$(DEMO) sfa config set rates share/examples/rates.json
	$(DEMO) sfa config set quotas share/examples/quotas.json
	$(DEMO) sfa-stage import share/sample/opportunities.csv
	$(DEMO) sfa-stage list --where external_id=D000 --format ids | $(DEMO) sfa-stage move qualification
	$(DEMO) sfa-stage list --where external_id=D001 --format ids | $(DEMO) sfa-stage won
	$(DEMO) sfa-stage list --where external_id=D002 --format ids | $(DEMO) sfa-stage lost --reason price
	@# the shared remote: the store pushed to a bare repository, a rep's laptop cloned from it;
	@# both change the same deal offline (the rep its amount and close date, ops the close date too),
	@# then sync: both changes merge field by field, the later close date wins, the other is logged
	rm -rf $(B)/demo-remote.git $(B)/demo-laptop
	git init -q --bare -b main $(B)/demo-remote.git
	$(DEMO) sfa remote add origin $(CURDIR)/$(B)/demo-remote.git
	$(DEMO) sfa sync
	$(DEMO) sfa clone $(CURDIR)/$(B)/demo-remote.git $(B)/demo-laptop
	$(DEMO) SFA_STORE=$(B)/demo-laptop SFA_USER="Ana Rep <ana@example.com>" \
		sfa-stage set $$($(DEMO) sfa-stage list --where external_id=D000 --format ids) "amount=8200.00 EUR" close_date=2026-12-18
	sleep 1
	$(DEMO) sfa-stage set $$($(DEMO) sfa-stage list --where external_id=D000 --format ids) close_date=2026-12-09
	$(DEMO) SFA_STORE=$(B)/demo-laptop sfa sync --format table
	$(DEMO) sfa sync --format table
	$(DEMO) sfa conflicts --format table
	$(DEMO) sfa-stage list --where external_id=D000 --fields name,amount,close_date,owner --format table
	@# the reports go to the managers as mail; here into the maildir too
	$(DEMO) SFA_REPORT_DIR=$(B)/demo-reports SFA_MAIL_OPTS="--maildir $(B)/demo-mail" share/examples/daily-report.sh
	@echo "mail: $$(ls $(B)/demo-mail/new | wc -l) message(s) in $(B)/demo-mail/new"
	$(DEMO) sfa-report pipeline --currency EUR --format table
	$(DEMO) sfa-report forecast --by rep --currency EUR --format table
	$(DEMO) sfa-report changes --currency EUR --format table
	$(DEMO) sfa-report forecast --by rep --currency EUR --format svg > $(B)/demo-forecast.svg
	@echo "charts: $(B)/demo-forecast.svg, $(B)/demo-reports/*/forecast-by-rep.html"

bench: deps
	@$(MAKE) --no-print-directory all
	tests/bench/run.sh $(B)
	tests/bench/pipeline.sh $(B)
	tests/bench/report.sh $(B)
	tests/bench/quote.sh $(B)
	tests/bench/mail.sh $(B)
	tests/bench/sync.sh $(B)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(COMPDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in $(MAN); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}; done
	cp -R share/sample share/examples share/config share/templates $(DESTDIR)$(DATADIR)/
	install -m 644 share/completion/sfa.bash $(DESTDIR)$(COMPDIR)/sfa
	for c in $(filter-out sfa,$(CMDS)); do ln -sf sfa $(DESTDIR)$(COMPDIR)/$$c; done

uninstall:
	rm -f $(CMDS:%=$(DESTDIR)$(BINDIR)/%) $(CMDS:%=$(DESTDIR)$(COMPDIR)/%)
	for m in $(notdir $(MAN)); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$$m; done
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBEXECDIR)

clean:
	rm -rf build
