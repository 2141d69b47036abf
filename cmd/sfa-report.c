/* sfa-report: the funnel, the forecast and the history of every number. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfa/cli.h"
#include "sfa/error.h"
#include "sfa/query.h"
#include "sfa/report.h"
#include "sfa/banned.h"

static const char usage[] =
	"usage: sfa-report REPORT [--by key[,key...]] [--period period] [--as-of date|commit]\n"
	"                  [--currency code] [--where expr]... [--owner list] [--source list]\n"
	"                  [--status list] [--since when] [--until when]\n"
	"                  [--format table|csv|json|ndjson|svg|html] [--store dir]\n"
	"       sfa-report forecast ... [--simulations n] [--seed n]\n"
	"       sfa-report changes [--from date|commit] [--to date|commit] [--period period] ...\n"
	"       sfa-report accuracy [--periods n] [--simulations n] [--seed n] ...\n"
	"       sfa-report list\n"
	"       sfa-report -h | --help\n"
	"reports: pipeline funnel forecast accuracy changes winloss activity sources leads\n"
	"keys: rep team territory source pipeline product-family month quarter\n"
	"      (winloss also reason competitor lost-at stage; activity also type)\n";

enum {
	OPT_BY = 256, OPT_PERIOD, OPT_AS_OF, OPT_CURRENCY, OPT_FROM, OPT_TO, OPT_SIMULATIONS, OPT_SEED,
	OPT_PERIODS, OPT_WHERE, OPT_OWNER, OPT_SOURCE, OPT_STATUS, OPT_SINCE, OPT_UNTIL, OPT_FORMAT, OPT_STORE
};

static const struct option options[] = {
	{ "by", required_argument, NULL, OPT_BY },
	{ "period", required_argument, NULL, OPT_PERIOD },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "currency", required_argument, NULL, OPT_CURRENCY },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "simulations", required_argument, NULL, OPT_SIMULATIONS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "periods", required_argument, NULL, OPT_PERIODS },
	{ "where", required_argument, NULL, OPT_WHERE },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "source", required_argument, NULL, OPT_SOURCE },
	{ "status", required_argument, NULL, OPT_STATUS },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "store", required_argument, NULL, OPT_STORE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* A whole number option in [0, max]. */
static int count_arg(const char *opt, const char *arg, long long max, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (errno || *end || end == arg || *out < 0 || *out > max)
		return sfa_error_set(SFA_EUSAGE, "%s: expected a whole number from 0 to %lld, not '%s'", opt, max, arg);
	return 0;
}

/* A bar of `width` cells for `v` of `max`, in eighths of a cell. */
static void bar(struct sfa_buf *out, double v, double max, int width)
{
	static const char *const part[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	long eighths = max > 0 && v > 0 ? lround(v / max * width * 8) : 0;
	for (long i = 0; i < eighths / 8; i++)
		sfa_buf_addstr(out, "█");
	sfa_buf_addstr(out, part[eighths % 8]);
}

static double number_of(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : json_is_string(v) ? strtod(json_string_value(v), NULL) : 0;
}

/* Rows to stdout as a table (with a bar column), CSV, JSON or NDJSON. */
static int write_rows(const struct sfa_report *r, enum sfa_format fmt)
{
	size_t ncols = json_array_size(r->columns), i;
	const char **cols = sfa_xcalloc(ncols + 2, sizeof(char *));
	struct sfa_writer *w = NULL;
	double max = 0;
	json_t *row;
	int err = 0;

	for (size_t k = 0; k < ncols; k++)
		cols[k] = json_string_value(json_array_get(r->columns, k));
	if (fmt == SFA_FORMAT_TABLE && r->bar) {
		cols[ncols] = "bar";
		json_array_foreach(r->rows, i, row)
			if (fabs(number_of(json_object_get(row, r->bar))) > max)
				max = fabs(number_of(json_object_get(row, r->bar)));
	}
	if (!json_array_size(r->rows) && (fmt == SFA_FORMAT_CSV || fmt == SFA_FORMAT_TABLE)) {
		/* no rows: still the header, so a script or a spreadsheet sees the columns */
		for (size_t k = 0; k < ncols; k++)
			printf("%s%s", k ? (fmt == SFA_FORMAT_CSV ? "," : "  ") : "", cols[k]);
		fputs("\n", stdout);
		goto done;
	}
	if ((err = sfa_writer_open(&w, stdout, fmt, cols)) < 0)
		goto done;
	json_array_foreach(r->rows, i, row) {
		if (fmt == SFA_FORMAT_TABLE && r->bar) {
			struct sfa_buf b = SFA_BUF_INIT;
			json_t *copy = json_copy(row);
			bar(&b, fabs(number_of(json_object_get(row, r->bar))), max, 12);
			json_object_set_new(copy, "bar", json_string(b.buf));
			sfa_buf_release(&b);
			err = sfa_writer_write(w, copy);
			json_decref(copy);
		} else {
			err = sfa_writer_write(w, row);
		}
		if (err < 0)
			goto done;
	}
	err = sfa_writer_close(w);
	w = NULL;
done:
	sfa_writer_free(w);
	free(cols);
	return err;
}

int main(int argc, char **argv)
{
	struct sfa_report_opts o = { .simulations = 10000, .seed = 1 };
	struct sfa_store *s = NULL;
	struct sfa_report *r = NULL;
	struct sfa_filter f;
	struct { const char *name, *arg; } filters[64];
	size_t nfilters = 0;
	const char *store = NULL;
	enum sfa_format fmt = SFA_FORMAT_AUTO;
	char *by = NULL;
	int c, li = 0, err = 0, svg = 0, html = 0;
	long long n;

	sfa_cli_start("sfa-report");
	while ((c = getopt_long(argc, argv, "h", options, &li)) != -1) {
		switch (c) {
		case 'h':
			return sfa_cli_help(usage);
		case OPT_BY: {
			char *save = NULL, *tok;
			free(by);
			by = sfa_xstrdup(optarg);
			o.nby = 0;
			for (tok = strtok_r(by, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (o.nby == SFA_REPORT_MAX_BY) {
					free(by);
					return sfa_cli_bad_usage(usage, "--by: at most %d keys", SFA_REPORT_MAX_BY);
				}
				o.by[o.nby++] = tok;
			}
			break;
		}
		case OPT_PERIOD: o.period = optarg; break;
		case OPT_AS_OF: o.as_of = optarg; break;
		case OPT_CURRENCY: o.currency = optarg; break;
		case OPT_FROM: o.from = optarg; break;
		case OPT_TO: o.to = optarg; break;
		case OPT_SIMULATIONS:
		case OPT_SEED:
		case OPT_PERIODS:
			if (count_arg(c == OPT_SEED ? "--seed" : c == OPT_PERIODS ? "--periods" : "--simulations", optarg,
				      c == OPT_SEED ? (1LL << 62) : c == OPT_PERIODS ? 40 : 10000000, &n) < 0) {
				free(by);
				return sfa_cli_bad_usage(usage, "%s", sfa_error_last());
			}
			if (c == OPT_SEED)
				o.seed = (unsigned long long)n;
			else if (c == OPT_PERIODS)
				o.periods = (int)n;
			else
				o.simulations = (long)n;
			break;
		case OPT_WHERE: case OPT_OWNER: case OPT_SOURCE: case OPT_STATUS: case OPT_SINCE: case OPT_UNTIL:
			if (nfilters == sizeof(filters) / sizeof(filters[0])) {
				free(by);
				return sfa_cli_bad_usage(usage, "too many filters");
			}
			filters[nfilters].name = options[li].name;
			filters[nfilters++].arg = optarg;
			break;
		case OPT_FORMAT:
			svg = !strcmp(optarg, "svg");
			html = !strcmp(optarg, "html");
			if (!svg && !html && (sfa_format_parse(&fmt, optarg) < 0 || fmt == SFA_FORMAT_IDS)) {
				free(by);
				return sfa_cli_bad_usage(usage, "--format: expected table, csv, json, ndjson, svg or html,"
							 " not '%s'", optarg);
			}
			break;
		case OPT_STORE: store = optarg; break;
		default:
			free(by);
			return sfa_cli_usage(usage);
		}
	}
	if (optind >= argc) {
		free(by);
		return sfa_cli_bad_usage(usage, "which report?");
	}
	o.name = argv[optind++];
	if (optind < argc) {
		free(by);
		return sfa_cli_bad_usage(usage, "unexpected argument '%s'", argv[optind]);
	}
	if (!strcmp(o.name, "list")) {
		for (size_t i = 0; sfa_report_names[i]; i++)
			printf("%-10s %s\n", sfa_report_names[i], sfa_report_about[i]);
		free(by);
		return sfa_cli_exit(SFA_EXIT_OK);
	}
	if (!sfa_report_type(o.name)) {
		free(by);
		return sfa_cli_bad_usage(usage, "no report '%s'", o.name);
	}
	if ((err = sfa_cli_open_store(&s, store)) < 0) {
		free(by);
		return sfa_cli_fail(err);
	}
	sfa_filter_init(&f, s, sfa_report_type(o.name));
	err = sfa_filter_readable(&f);
	for (size_t i = 0; i < nfilters && !err; i++)
		err = sfa_filter_option(&f, filters[i].name, filters[i].arg);
	o.filter = &f;
	if (err < 0 || (err = sfa_report_run(s, &o, &r)) < 0)
		goto done;
	if (svg || html) {
		struct sfa_buf out = SFA_BUF_INIT;
		if (svg)
			sfa_report_svg(&out, r);
		else
			sfa_report_html(&out, r);
		fwrite(out.buf, 1, out.len, stdout);
		sfa_buf_release(&out);
	} else {
		err = write_rows(r, sfa_cli_format(fmt));
	}
done:
	sfa_filter_release(&f);
	free(by);
	if (err == SFA_EUSAGE) {
		sfa_report_free(r);
		sfa_store_free(s);
		return sfa_cli_bad_usage(usage, "%s", sfa_error_last());
	}
	if (err < 0) {
		sfa_report_free(r);
		sfa_store_free(s);
		return sfa_cli_fail(err);
	}
	/* an empty report still has its header; scripts tell "nothing matched" by the code */
	n = (long long)json_array_size(r->rows);
	sfa_report_free(r);
	sfa_store_free(s);
	return sfa_cli_exit(n ? SFA_EXIT_OK : SFA_EXIT_NOMATCH);
}
