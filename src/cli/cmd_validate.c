/*
 * cmd_validate.c - `edigate validate`: report every finding with its
 * position, and the outcome of every transaction set, group and
 * interchange.  Text for people, --json (one object per file) for scripts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "edigate/ack_lint.h"
#include "edigate/buf.h"
#include "edigate/format.h"
#include "edigate/guide.h"
#include "edigate/edifact_check.h"
#include "edigate/edifact_guide.h"
#include "edigate/xml.h"
#include "edigate/home.h"
#include "edigate/syntax.h"
#include "edigate/x12_check.h"

#define JSON_MAX ((size_t)1 << 32)

typedef struct vctx {
	eg_cli *cli;
	int guides; /* guide validation on */
	const char *file;
	int json, verbose;
	eg_err oom; /* first buffer failure */
	eg_buf findings, txns, groups, ichgs;
	uint64_t size;
	int progress_shown;
	/* --strict (our own acknowledgements): warnings and sets without a
	 * guide are errors, and the acknowledgement lint runs */
	int strict;
	unsigned strict_errors;
	eg_ack_lint *lint;
} vctx;

static const char *
level_name(eg_level l)
{
	static const char *const n[] = {"file", "interchange", "group",
					"transaction", "segment", "element"};
	return n[l];
}

/* The ack element a finding's code belongs in. */
static const char *
code_label(eg_level l, int is999)
{
	switch (l) {
	case EG_LVL_FILE:
	case EG_LVL_INTERCHANGE:
		return "TA105";
	case EG_LVL_GROUP:
		return "AK905";
	case EG_LVL_TRANSACTION:
		return is999 ? "IK502" : "AK502";
	case EG_LVL_SEGMENT:
		return is999 ? "IK304" : "AK304";
	default:
		return is999 ? "IK403" : "AK403";
	}
}

static void
chk(vctx *v, eg_err rc)
{
	if (rc && !v->oom)
		v->oom = rc;
}

static void
json_ctl(vctx *v, eg_buf *b, const eg_x12_ctl *c)
{
	chk(v, eg_buf_addf(b, "\"interchange\":%u,\"isa13\":", c->interchange));
	chk(v, eg_buf_add_json(b, c->isa13, strlen(c->isa13)));
	chk(v, eg_buf_adds(b, ",\"gs06\":"));
	chk(v, eg_buf_add_json(b, c->gs06, strlen(c->gs06)));
	chk(v, eg_buf_adds(b, ",\"st01\":"));
	chk(v, eg_buf_add_json(b, c->st01, strlen(c->st01)));
	chk(v, eg_buf_adds(b, ",\"st02\":"));
	chk(v, eg_buf_add_json(b, c->st02, strlen(c->st02)));
}

static void
on_finding(void *ud, const eg_finding *f)
{
	vctx *v = ud;
	char where[200];

	eg_pos_format(&f->pos, where, sizeof(where));
	if (v->json) {
		eg_buf *b = &v->findings;

		chk(v, eg_buf_adds(b, b->len ? ",{" : "{"));
		chk(v, eg_buf_addf(b, "\"severity\":\"%s\",\"level\":\"%s\",",
				   f->severity == EG_FIND_ERROR	    ? "error"
				   : f->severity == EG_FIND_WARNING ? "warning"
								    : "note",
				   level_name(f->level)));
		chk(v, eg_buf_addf(b, "\"rule\":\"%s\",\"code\":", f->rule));
		if (f->code)
			chk(v, eg_buf_add_json(b, f->code, strlen(f->code)));
		else
			chk(v, eg_buf_adds(b, "null"));
		chk(v, eg_buf_addf(b, ",\"code_element\":\"%s\",\"code999\":",
				   code_label(f->level, 0)));
		if (f->code999 || f->code) {
			const char *c = f->code999 ? f->code999 : f->code;
			chk(v, eg_buf_add_json(b, c, strlen(c)));
		} else {
			chk(v, eg_buf_adds(b, "null"));
		}
		chk(v, eg_buf_addf(
			   b,
			   ",\"offset\":%llu,\"segment\":%llu,\"segment_id\":",
			   (unsigned long long)f->pos.offset,
			   (unsigned long long)f->pos.segment));
		chk(v, eg_buf_add_json(b, f->pos.seg_id, strlen(f->pos.seg_id)));
		chk(v, eg_buf_addf(b,
				   ",\"position_in_transaction\":%u,"
				   "\"element\":%u,\"component\":%u,",
				   (unsigned)f->pos.txn_pos,
				   (unsigned)f->pos.element,
				   (unsigned)f->pos.component));
		json_ctl(v, b, &f->ctl);
		chk(v, eg_buf_adds(b, ",\"loop\":"));
		chk(v, eg_buf_add_json(b, f->loop_id, strlen(f->loop_id)));
		chk(v, eg_buf_adds(b, ",\"element_ref\":"));
		chk(v, eg_buf_add_json(b, f->elem_ref, strlen(f->elem_ref)));
		chk(v, eg_buf_adds(b, ",\"value\":"));
		chk(v, eg_buf_add_json(b, f->value, strlen(f->value)));
		chk(v, eg_buf_adds(b, ",\"message\":"));
		chk(v, eg_buf_add_json(b, f->msg, strlen(f->msg)));
		chk(v, eg_buf_adds(b, "}"));
		return;
	}
	if (f->severity == EG_FIND_NOTE && !v->verbose)
		return;
	if (v->progress_shown) {
		fputs("\r\033[K", v->cli->err);
		v->progress_shown = 0;
	}
	fprintf(v->cli->out, "  %s %s: %s",
		f->severity == EG_FIND_ERROR	 ? "ERROR  "
		: f->severity == EG_FIND_WARNING ? "warning"
						 : "note   ",
		where, f->msg);
	if (f->loop_id[0])
		fprintf(v->cli->out, " (loop %s)", f->loop_id);
	if (f->code && f->code999 && strcmp(f->code, f->code999) != 0)
		fprintf(v->cli->out, " [%s=%s, 999 %s=%s]",
			code_label(f->level, 0), f->code,
			code_label(f->level, 1), f->code999);
	else if (f->code)
		fprintf(v->cli->out, " [%s=%s]", code_label(f->level, 0),
			f->code);
	else if (f->code999)
		fprintf(v->cli->out, " [999 %s=%s; no 997 code]",
			code_label(f->level, 1), f->code999);
	fputc('\n', v->cli->out);
}

/* --strict: a warning or "no guide" note is an error of ours. */
static void
on_finding_strict(void *ud, const eg_finding *f)
{
	vctx *v = ud;
	eg_finding g;

	if (f->severity == EG_FIND_ERROR ||
	    (f->severity == EG_FIND_NOTE && strcmp(f->rule, "no-guide") != 0)) {
		on_finding(ud, f);
		return;
	}
	g = *f;
	g.severity = EG_FIND_ERROR;
	v->strict_errors++;
	on_finding(ud, &g);
}

static void
on_lint(void *ud, const eg_finding *f)
{
	vctx *v = ud;

	v->strict_errors++;
	on_finding(ud, f);
}

static eg_err
lint_segment(void *ud, const eg_x12_segment *s, eg_error *e)
{
	vctx *v = ud;

	(void)e;
	eg_ack_lint_segment(v->lint, s);
	return EG_OK;
}

static void
on_unit(void *ud, const eg_unit_result *u)
{
	vctx *v = ud;
	const eg_x12_ctl *c = &u->ctl;
	eg_buf *b;

	if (v->json) {
		b = u->level == EG_LVL_TRANSACTION ? &v->txns
		    : u->level == EG_LVL_GROUP	   ? &v->groups
						   : &v->ichgs;
		chk(v, eg_buf_adds(b, b->len ? ",{" : "{"));
		chk(v, eg_buf_addf(b, "\"status\":\"%s\",\"outcome\":\"%s\",",
				   eg_outcome_code(u->outcome),
				   eg_outcome_str(u->outcome)));
		chk(v, eg_buf_addf(b, "\"offset\":%llu,\"count\":%u,"
				      "\"accepted\":%u,\"findings\":%u,",
				   (unsigned long long)u->offset, u->count,
				   u->accepted, u->errors));
		if (u->level == EG_LVL_INTERCHANGE) {
			chk(v, eg_buf_adds(b, "\"sender\":"));
			chk(v, eg_buf_add_json(b, c->sender, strlen(c->sender)));
			chk(v, eg_buf_adds(b, ",\"receiver\":"));
			chk(v, eg_buf_add_json(b, c->receiver,
					       strlen(c->receiver)));
			chk(v, eg_buf_adds(b, ","));
		} else if (u->level == EG_LVL_GROUP) {
			chk(v, eg_buf_adds(b, "\"gs01\":"));
			chk(v, eg_buf_add_json(b, c->gs01, strlen(c->gs01)));
			chk(v, eg_buf_adds(b, ",\"gs08\":"));
			chk(v, eg_buf_add_json(b, c->gs08, strlen(c->gs08)));
			chk(v, eg_buf_adds(b, ","));
		}
		json_ctl(v, b, c);
		chk(v, eg_buf_adds(b, "}"));
		return;
	}
	if (u->level == EG_LVL_TRANSACTION) {
		if (u->outcome == EG_ACCEPTED && !v->verbose)
			return;
		fprintf(v->cli->out,
			"  transaction set %s %s (group %s, interchange %s): "
			"%s\n",
			c->st01, c->st02, c->gs06, c->isa13,
			eg_outcome_str(u->outcome));
	} else if (u->level == EG_LVL_GROUP) {
		fprintf(v->cli->out,
			"  group %s %s %s (interchange %s): %s, %u of %u "
			"transaction sets accepted\n",
			c->gs06, c->gs01, c->gs08, c->isa13,
			eg_outcome_str(u->outcome), u->accepted, u->count);
	} else {
		fprintf(v->cli->out,
			"  interchange %s %s -> %s: envelope %s, %u of %u "
			"groups accepted\n",
			c->isa13, c->sender, c->receiver,
			eg_outcome_str(u->outcome), u->accepted, u->count);
	}
}

static void
on_progress(void *ud, uint64_t off)
{
	vctx *v = ud;

	if (!v->cli->stderr_tty || v->json || v->size < (16u << 20))
		return;
	fprintf(v->cli->err, "\r\033[Kvalidating %s: %llu of %llu MB (%u%%)",
		v->file, (unsigned long long)(off >> 20),
		(unsigned long long)(v->size >> 20),
		(unsigned)(off * 100 / v->size));
	fflush(v->cli->err);
	v->progress_shown = 1;
}

static int
print_json(vctx *v, const char *format, const eg_x12_check_result *r,
	   const char *refused)
{
	eg_buf o;
	eg_err rc;
	int x;

	eg_buf_init(&o, JSON_MAX);
	rc = eg_buf_adds(&o, "{\"file\":");
	if (!rc)
		rc = eg_buf_add_json(&o, v->file, strlen(v->file));
	if (!rc)
		rc = eg_buf_addf(&o, ",\"format\":\"%s\",\"valid\":%s,"
				     "\"checks\":\"%s\",",
				 format,
				 !refused && r->totals.errors == 0 ? "true"
								   : "false",
				 v->guides ? "guides" : "envelope");
	if (!rc && refused) {
		rc = eg_buf_adds(&o, "\"refused\":");
		if (!rc)
			rc = eg_buf_add_json(&o, refused, strlen(refused));
		if (!rc)
			rc = eg_buf_adds(&o, ",");
	}
	if (!rc)
		rc = eg_buf_addf(
		    &o,
		    "\"totals\":{\"bytes\":%llu,\"segments\":%llu,"
		    "\"interchanges\":%u,\"groups\":%u,\"transactions\":%u,"
		    "\"rejected_transactions\":%u,\"guided\":%lu,"
		    "\"unguided\":%lu,\"errors\":%u,"
		    "\"warnings\":%u},\"findings\":[%s],\"interchanges\":[%s],"
		    "\"groups\":[%s],\"transactions\":[%s]}\n",
		    (unsigned long long)r->bytes,
		    (unsigned long long)r->segments, r->totals.interchanges,
		    r->totals.groups, r->totals.transactions,
		    r->totals.rejected_transactions, r->guided, r->unguided,
		    r->totals.errors,
		    r->totals.warnings, eg_buf_cstr(&v->findings),
		    eg_buf_cstr(&v->ichgs), eg_buf_cstr(&v->groups),
		    eg_buf_cstr(&v->txns));
	if (rc || v->oom) {
		eg_buf_free(&o);
		fprintf(v->cli->err, "edigate: report too large for memory\n");
		return EG_EXIT_IO;
	}
	x = eg_cli_write(v->cli, o.data, o.len);
	eg_buf_free(&o);
	return x;
}

static int
validate_file(eg_cli *cli, const char *path, int json, int verbose,
	      int strict, const eg_x12_check_opts *base,
	      const eg_edifact_check_opts *eopts)
{
	vctx v;
	eg_envelope_events ev = {on_finding, on_unit, NULL};
	eg_x12_check_opts opts = *base;
	eg_x12_check_result res;
	eg_source *src = NULL;
	eg_error e;
	unsigned char head[EG_FORMAT_SNIFF];
	size_t got = 0;
	const eg_format *fmt = NULL;
	struct stat st;
	char refused[256] = "";
	int x = EG_EXIT_OK;
	eg_err rc;

	if (eg_cli_is_edifact(path))
		return eg_cli_edifact_validate(cli, path, json, verbose, eopts,
					       base->guides != NULL);
	memset(&v, 0, sizeof(v));
	memset(&res, 0, sizeof(res));
	eg_error_clear(&e);
	v.cli = cli;
	v.file = path;
	v.json = json;
	v.verbose = verbose;
	v.guides = base->guides != NULL;
	v.strict = strict;
	if (strict) {
		if (eg_ack_lint_new(&v.lint, on_lint, &v, &e))
			return eg_cli_fail(cli, &e);
		ev.finding = on_finding_strict;
		opts.segment = lint_segment;
		opts.segment_ud = &v;
	}
	eg_buf_init(&v.findings, JSON_MAX);
	eg_buf_init(&v.txns, JSON_MAX);
	eg_buf_init(&v.groups, JSON_MAX);
	eg_buf_init(&v.ichgs, JSON_MAX);
	ev.ud = &v;
	opts.progress = on_progress;
	opts.progress_ud = &v;
	if (strcmp(path, "-") != 0) {
		if (stat(path, &st) == 0)
			v.size = (uint64_t)st.st_size;
		rc = eg_format_sniff_file(path, head, sizeof(head), &got, &e);
		if (rc) {
			x = eg_cli_fail(cli, &e);
			goto out;
		}
		fmt = eg_format_detect(head, got);
		if (eg_format_encoding_problem(head, got) &&
		    (!fmt || !fmt->readable))
			snprintf(refused, sizeof(refused), "%s",
				 eg_format_encoding_problem(head, got));
		else if (fmt && strcmp(fmt->name, "x12") != 0 && fmt->readable)
			snprintf(refused, sizeof(refused),
				 "the file is %s: validate checks X12; check "
				 "it against its layout with `edigate layout "
				 "map LAYOUT FILE`", fmt->title);
		else if (!fmt || !fmt->readable)
			snprintf(refused, sizeof(refused),
				 fmt ? "the file is %s, which this build does "
				       "not read yet (X12 only)"
				     : "not a recognised EDI file: no ISA, UNB "
				       "or other known envelope at the start",
				 fmt ? fmt->title : "");
	}
	if (!json)
		fprintf(cli->out, "%s:\n", path);
	if (refused[0]) {
		if (json) {
			x = print_json(&v, fmt ? fmt->name : "unknown", &res,
				       refused);
			if (x == EG_EXIT_OK)
				x = EG_EXIT_DOCUMENT;
		} else {
			fprintf(cli->out, "  ERROR  %s\nINVALID\n", refused);
			x = EG_EXIT_DOCUMENT;
		}
		goto out;
	}
	rc = eg_source_open_file(&src, path, &e);
	/* the detected syntax's check (syntax.h); standard input is not
	 * sniffed and is read as X12 */
	if (!rc)
		rc = (fmt && fmt->syntax ? fmt->syntax : &eg_syntax_x12)
			 ->check(src, &opts, &ev, &res, &e);
	if (v.progress_shown)
		fputs("\r\033[K", cli->err);
	if (rc) {
		x = eg_cli_fail(cli, &e);
		goto out;
	}
	if (strict && opts.guides && res.unguided) {
		eg_finding f;

		memset(&f, 0, sizeof(f));
		f.level = EG_LVL_FILE;
		f.severity = EG_FIND_ERROR;
		f.rule = "strict-no-guide";
		snprintf(f.msg, sizeof(f.msg),
			 "%lu set(s) had no guide: strict mode checks every "
			 "set against one", res.unguided);
		on_lint(&v, &f);
	}
	res.totals.errors += v.strict_errors;
	if (json) {
		x = print_json(&v, "x12", &res, NULL);
	} else {
		char how[160];

		if (!opts.guides)
			snprintf(how, sizeof(how), "envelope and syntax checks");
		else if (res.unguided)
			snprintf(how, sizeof(how),
				 "%lu set(s) against guides, %lu with no guide "
				 "(envelope and syntax only)",
				 res.guided, res.unguided);
		else
			snprintf(how, sizeof(how), "all sets against guides");
		fprintf(cli->out,
			"%s: %u interchange(s), %u group(s), %u transaction "
			"set(s), %llu segments; %u error(s), %u warning(s) "
			"[%s]\n",
			res.totals.errors ? "INVALID" : "VALID",
			res.totals.interchanges, res.totals.groups,
			res.totals.transactions,
			(unsigned long long)res.segments, res.totals.errors,
			res.totals.warnings, how);
	}
	if (x == EG_EXIT_OK && res.totals.errors)
		x = EG_EXIT_DOCUMENT;
out:
	eg_source_free(src);
	eg_buf_free(&v.findings);
	eg_buf_free(&v.txns);
	eg_buf_free(&v.groups);
	eg_buf_free(&v.ichgs);
	eg_ack_lint_free(v.lint);
	return x;
}

static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > ((size_t)1 << 30))
		return 0;
	*out = (size_t)v;
	return 1;
}

static void
help(FILE *f)
{
	fputs("Usage: edigate validate [--envelope | --guide FILE] [--partner ID]\n"
	      "                        [--json] [--strict]\n"
	      "                        [--verbose] [--max-findings N]\n"
	      "                        [--max-segment BYTES] "
	      "[--max-elements N] FILE...\n\n"
	      "Check X12 files and report every finding with its position\n"
	      "(byte offset, segment number, segment ID, position in the\n"
	      "transaction set, loop, element) and the standard\n"
	      "acknowledgement code it carries (TA105, AK905, AK502/IK502,\n"
	      "AK304/IK304, AK403/IK403), then the outcome of every\n"
	      "transaction set, group and interchange.\n\n"
	      "UN/EDIFACT files (UNA or UNB at the start) get the service-\n"
	      "segment checks (UNB/UNZ, UNG/UNE, UNH/UNT, character\n"
	      "repertoire) with the 0085 code of every finding, and each\n"
	      "message is checked against its message guide\n"
	      "(edi/edifact/<0052><0054>/<0065>.xml, e.g. D96A/DESADV.xml;\n"
	      "docs/edifact.md); --guide FILE may name an EDIFACT message\n"
	      "guide, used for the messages of its type.\n\n"
	      "Transaction sets are checked against the implementation guide\n"
	      "for their ST01 and GS08 release (edi/x12/RELEASE/SET.xml);\n"
	      "a set with no guide is checked at envelope and syntax level\n"
	      "and counted as 'no guide'.\n\n"
	      "Options:\n"
	      "  --envelope          syntax and envelope checks only (the\n"
	      "                      quick triage)\n"
	      "  --guide FILE        use this guide (e.g. a partner guide) for\n"
	      "                      transaction sets of its set ID\n"
	      "  --partner ID        check the files as coming from this\n"
	      "                      partner (partners/ID.xml): the ISA and GS\n"
	      "                      must be its own (another partner's file\n"
	      "                      is refused, never processed as this one),\n"
	      "                      the sets must be among its documents, and\n"
	      "                      its partner guides are used\n"
	      "  --json              one JSON object per file on stdout\n"
	      "  --strict            for our own TA1/997/999: warnings and\n"
	      "                      sets without a guide are errors, and the\n"
	      "                      checks a strict partner translator makes\n"
	      "                      are added (ISA11/ISA12 by version, TA104\n"
	      "                      with TA105, 999 flavour, AK5 against AK9;\n"
	      "                      see docs/acknowledgements.md)\n"
	      "  --verbose, -v       list accepted transaction sets and notes\n"
	      "  --max-findings N    findings listed per transaction set\n"
	      "                      (default 100)\n"
	      "  --max-segment B     longest segment accepted (default 65536)\n"
	      "  --max-elements N    most elements per segment (default 1024)\n"
	      "  --repertoire R      UN/EDIFACT: how characters are checked\n"
	      "                      against the syntax identifier (UNB\n"
	      "                      0001): strict (default), lenient (lower\n"
	      "                      case accepted under UNOA) or off\n"
	      "  FILE                a path, or - for standard input\n",
	      f);
	eg_cli_help_exit_codes(f);
}

/* Is path an EDIFACT message guide (root <message>)?  Read without
 * the schema: the loader checks it properly. */
static int
is_edifact_guide(const char *path)
{
	eg_xml *x = NULL;
	eg_error e;
	int r;

	eg_error_clear(&e);
	if (eg_xml_load(&x, path, NULL, &e))
		return 0;
	r = strcmp(eg_xml_name(eg_xml_root(x)), "message") == 0;
	eg_xml_free(x);
	return r;
}

static int
run(eg_cli *cli, int argc, char **argv)
{
	eg_x12_check_opts opts;
	eg_edifact_check_opts eopts;
	eg_home home = {NULL, NULL};
	eg_guides *guides = NULL;
	const char *guide_file = NULL, *partner = NULL, *ed_guide = NULL;
	const eg_guide *one = NULL;
	eg_edguides *edg = NULL;
	eg_cli_partner pc;
	const char **files = NULL;
	int json = 0, verbose = 0, envelope = 0, strict = 0, i,
	    x = EG_EXIT_OK;
	size_t nfiles = 0, k;

	memset(&opts, 0, sizeof(opts));
	memset(&eopts, 0, sizeof(eopts));
	memset(&pc, 0, sizeof(pc));
	opts.limits = eg_x12_limits_default();
	eopts.reader.limits = eg_edifact_limits_default();
	files = calloc((size_t)argc, sizeof(*files));
	if (!files)
		return EG_EXIT_IO;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t n;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			help(stdout);
			goto out;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--envelope") == 0) {
			envelope = 1;
		} else if (strcmp(a, "--strict") == 0) {
			strict = 1;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			verbose = 1;
		} else if (strcmp(a, "--guide") == 0 && i + 1 < argc) {
			guide_file = argv[++i];
		} else if (strcmp(a, "--repertoire") == 0 && i + 1 < argc) {
			const char *r = argv[++i];

			if (strcmp(r, "strict") == 0)
				eopts.reader.strict = EG_EDIFACT_REP_STRICT;
			else if (strcmp(r, "lenient") == 0)
				eopts.reader.strict = EG_EDIFACT_REP_LENIENT;
			else if (strcmp(r, "off") == 0)
				eopts.reader.strict = EG_EDIFACT_REP_OFF;
			else {
				x = eg_cli_usage(cli, "validate",
						 "--repertoire is strict, "
						 "lenient or off");
				goto out;
			}
		} else if (strcmp(a, "--partner") == 0 && i + 1 < argc) {
			partner = argv[++i];
		} else if (strcmp(a, "--max-findings") == 0) {
			if (!parse_size(i + 1 < argc ? argv[++i] : NULL, &n) ||
			    n > 100000) {
				x = eg_cli_usage(cli, "validate",
						 "--max-findings needs a number "
						 "from 1 to 100000");
				goto out;
			}
			opts.max_findings = (unsigned)n;
		} else if (strcmp(a, "--max-segment") == 0) {
			if (!parse_size(i + 1 < argc ? argv[++i] : NULL,
					&opts.limits.max_segment) ||
			    opts.limits.max_segment < EG_X12_ISA_LEN) {
				x = eg_cli_usage(cli, "validate",
						 "--max-segment needs a number "
						 "of bytes, at least 106 (an "
						 "ISA)");
				goto out;
			}
			eopts.reader.limits.max_segment =
			    opts.limits.max_segment;
		} else if (strcmp(a, "--max-elements") == 0) {
			if (!parse_size(i + 1 < argc ? argv[++i] : NULL,
					&opts.limits.max_elements) ||
			    opts.limits.max_elements < 16) {
				x = eg_cli_usage(cli, "validate",
						 "--max-elements needs a "
						 "number, at least 16 (an ISA "
						 "has 16)");
				goto out;
			}
			eopts.reader.limits.max_elements =
			    opts.limits.max_elements > 65535
				? 65535
				: opts.limits.max_elements;
		} else if (a[0] == '-' && a[1] != '\0') {
			x = eg_cli_usage(cli, "validate", "unknown option '%s'",
					 a);
			goto out;
		} else {
			files[nfiles++] = a;
		}
	}
	if (nfiles == 0) {
		x = eg_cli_usage(cli, "validate", "no FILE given");
		goto out;
	}
	if (envelope && guide_file) {
		x = eg_cli_usage(cli, "validate",
				 "--guide and --envelope exclude each other");
		goto out;
	}
	if (guide_file && is_edifact_guide(guide_file)) {
		ed_guide = guide_file;
		guide_file = NULL;
	}
	/* --envelope needs no guides (and no home) unless a partner is
	 * named, whose profile lives in the home. */
	if (!envelope || partner) {
		x = eg_cli_open_guides(cli, "validate", &home,
				       envelope ? NULL : guide_file, &guides,
				       &one);
		if (x != EG_EXIT_OK)
			goto out;
	}
	if (!envelope) {
		opts.guides = guides;
		opts.overrides = &one;
		opts.noverrides = 1;
	}
	if (!envelope && home.datadir) {
		eg_error e;

		eg_error_clear(&e);
		if (eg_edguides_new(&edg, home.datadir, &e) ||
		    (ed_guide && eg_edguides_load(edg, ed_guide, &eopts.guide,
						  &e))) {
			x = eg_cli_fail(cli, &e);
			goto out;
		}
		eopts.guides = edg;
		eopts.max_findings = opts.max_findings;
	} else if (ed_guide) {
		x = eg_cli_usage(cli, "validate",
				 "--guide %s is an EDIFACT message guide: it "
				 "needs the shipped edi/ and schemas/",
				 ed_guide);
		goto out;
	}
	if (partner) {
		x = eg_cli_partner_open(cli, "validate", &home, guides, partner,
					&pc);
		if (x != EG_EXIT_OK)
			goto out;
		opts.expect = &pc.expect;
		if (!envelope && pc.nguides) {
			opts.overrides = pc.guides;
			opts.noverrides = pc.nguides;
		}
	}
	for (k = 0; k < nfiles; k++) {
		int r;

		if (partner && eg_cli_is_edifact(files[k])) {
			/* profiles know X12 identities only (issue 15
			 * point 6): never check EDIFACT as a partner's */
			fprintf(cli->err,
				"%s validate: %s is UN/EDIFACT: --partner is not "
				"supported for EDIFACT files yet\n",
				cli->prog, files[k]);
			if (x < EG_EXIT_USAGE)
				x = EG_EXIT_USAGE;
			continue;
		}
		r = validate_file(cli, files[k], json, verbose, strict, &opts,
				  &eopts);

		/* The worst outcome wins: I/O > usage > document > ok. */
		if (r > x)
			x = r;
	}
out:
	eg_cli_partner_close(&pc);
	eg_edguides_free(edg);
	eg_guides_free(guides);
	eg_home_free(&home);
	free(files);
	return x;
}

const eg_command eg_cmd_validate = {
	"validate", "check X12 and EDIFACT files: syntax, envelopes, guides",
	run, help};
