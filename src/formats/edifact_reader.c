/*
 * edifact_reader.c - streaming UN/EDIFACT tokenizer (ISO 9735).
 *
 * The reader keeps one buffer of chunk + max_segment bytes, as the X12
 * reader does: [pos, end) is unread input, base the file offset of
 * buf[0].  A segment ends at the first segment terminator not released:
 * memchr finds a candidate, then the run of release characters before it
 * (line breaks inside the run skipped) decides: an odd run releases it.
 * One pass over a 256-entry class table then splits the segment into
 * elements, repetitions and components, removes CR/LF that are not
 * separators (hard-wrapped files) by compacting the raw bytes in place,
 * and, when release characters are present, writes the unescaped values
 * to a second buffer of max_segment bytes.
 *
 * Invariants:
 *   - pos <= end <= cap; the bytes of the segment handed out last stay in
 *     place until the next call (compaction happens only inside next());
 *   - every returned segment has a valid tag (three of [A-Z0-9], a letter
 *     first) and at most max_elements elements and max_values values;
 *   - the repetition separator is set only after a UNB of version 4;
 *   - after an error the reader refuses further calls.
 *
 * Spec: ISO 9735 syntax versions 1-4 (UNA, level A/B defaults, release
 * character, repetition separator from version 4).
 */
#include "edigate/edifact.h"
#include "edigate/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_DATA = 0, C_ELEM, C_COMP, C_REP, C_REL, C_WRAP, C_BAD };

struct eg_edifact_reader {
	eg_source *src;
	eg_edifact_limits lim;
	eg_edifact_strict strict;
	unsigned char *buf;
	size_t cap, pos, end;
	uint64_t base;
	int eof, failed;
	int expect_start; /* at file start or after a UNZ: UNA or UNB */
	int in_ichg;
	eg_edifact_syntax syn;
	unsigned char cls[256];
	/* 1 for bytes outside the repertoire of a single-byte charset (all
	 * 0 for UTF-8, unknown identifiers and no check): lets the split
	 * pass spot them, so most segments need no second pass */
	unsigned char badc[256];
	int any_bad; /* a byte was flagged in the segment just split */
	/* 1 for plain data: class C_DATA and inside the repertoire -- the
	 * bytes the split pass skips in a tight loop */
	unsigned char plain[256];
	char *ubuf;        /* unescaped values, max_segment bytes */
	eg_edifact_elem *el;
	eg_edifact_rep *rp;
	eg_span *val;
	eg_edifact_segment seg;
	uint64_t nseg;
	uint32_t msg_pos;
	int in_msg;
	uint32_t interchange;
};

eg_edifact_limits
eg_edifact_limits_default(void)
{
	eg_edifact_limits l = {64 * 1024, 1024, 8192, 256 * 1024};

	return l;
}

static int
is_nl(unsigned char c)
{
	return c == '\r' || c == '\n';
}

static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	       (c >= 'a' && c <= 'z');
}

eg_err
eg_edifact_reader_new(eg_edifact_reader **out, eg_source *src,
		      const eg_edifact_opts *opts, eg_error *e)
{
	eg_edifact_reader *r;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return eg_fail(e, EG_ENOMEM, "out of memory");
	r->src = src;
	r->lim = opts ? opts->limits : eg_edifact_limits_default();
	r->strict = opts ? opts->strict : EG_EDIFACT_REP_STRICT;
	if (r->lim.chunk == 0 || r->lim.max_segment < 64 ||
	    r->lim.max_elements < 16 || r->lim.max_values < 64 ||
	    r->lim.max_elements > 65535 || r->lim.max_values > 1000000 ||
	    r->lim.max_segment > ((size_t)1 << 30) ||
	    r->lim.chunk > ((size_t)1 << 30)) {
		free(r);
		return eg_fail(e, EG_EINVAL,
			       "EDIFACT limits out of range: max_segment 64 "
			       "bytes to 1 GiB, max_elements 16 to 65535, "
			       "max_values 64 to 1000000, chunk 1 byte to "
			       "1 GiB");
	}
	r->cap = r->lim.max_segment + r->lim.chunk + 64;
	r->buf = malloc(r->cap);
	r->ubuf = malloc(r->lim.max_segment + 1);
	r->el = calloc(r->lim.max_elements + 1, sizeof(*r->el));
	r->rp = calloc(r->lim.max_values, sizeof(*r->rp));
	r->val = calloc(r->lim.max_values, sizeof(*r->val));
	if (!r->buf || !r->ubuf || !r->el || !r->rp || !r->val) {
		eg_edifact_reader_free(r);
		return eg_fail(e, EG_ENOMEM, "out of memory");
	}
	r->expect_start = 1;
	*out = r;
	return EG_OK;
}

void
eg_edifact_reader_free(eg_edifact_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->ubuf);
	free(r->el);
	free(r->rp);
	free(r->val);
	free(r);
}

uint64_t
eg_edifact_reader_offset(const eg_edifact_reader *r)
{
	return r->base + r->pos;
}

const eg_edifact_syntax *
eg_edifact_reader_syntax(const eg_edifact_reader *r)
{
	return &r->syn;
}

/* --- repertoires ---------------------------------------------------- */

eg_edifact_charset
eg_edifact_charset_of(const char *id, size_t n)
{
	if (n != 4 || memcmp(id, "UNO", 3) != 0)
		return EG_EDIFACT_CS_UNKNOWN;
	switch (id[3]) {
	case 'A':
		return EG_EDIFACT_CS_A;
	case 'B':
		return EG_EDIFACT_CS_B;
	case 'C': case 'D': case 'E': case 'F': case 'G':
	case 'H': case 'I': case 'J': case 'K':
		return EG_EDIFACT_CS_LATIN;
	case 'X':
		return EG_EDIFACT_CS_2022;
	case 'Y': case 'W':
		return EG_EDIFACT_CS_UTF8;
	}
	return EG_EDIFACT_CS_UNKNOWN;
}

int
eg_edifact_char_ok(eg_edifact_charset cs, eg_edifact_strict strict,
		   unsigned char c)
{
	if (strict == EG_EDIFACT_REP_OFF || cs == EG_EDIFACT_CS_UNKNOWN)
		return 1;
	switch (cs) {
	case EG_EDIFACT_CS_A:
	case EG_EDIFACT_CS_B:
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c != 0 && strchr(" .,-()/=!\"%&*;<>'+:?", c)))
			return 1;
		if (c >= 'a' && c <= 'z')
			return cs == EG_EDIFACT_CS_B ||
			       strict == EG_EDIFACT_REP_LENIENT;
		return 0;
	case EG_EDIFACT_CS_LATIN:
		return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
	case EG_EDIFACT_CS_2022:
		return (c >= 0x20 && c < 0x7f) || c >= 0x80 || c == 0x1b ||
		       c == 0x0e || c == 0x0f;
	case EG_EDIFACT_CS_UTF8:
		return (c >= 0x20 && c < 0x7f) || c >= 0x80;
	default:
		return 1;
	}
}

/* --- errors and buffering ---------------------------------------------- */

static eg_err
fail_at(eg_edifact_reader *r, eg_error *e, eg_err code, size_t i,
	const char *tag, const eg_edifact_at *at, const char *ack,
	const char *fmt, ...) EG_PRINTF(8, 9);

static eg_err
fail_at(eg_edifact_reader *r, eg_error *e, eg_err code, size_t i,
	const char *tag, const eg_edifact_at *at, const char *ack,
	const char *fmt, ...)
{
	eg_pos p;
	char msg[EG_ERRMSG_MAX];
	va_list ap;

	r->failed = 1;
	memset(&p, 0, sizeof(p));
	p.offset = r->base + i;
	p.segment = r->nseg + 1;
	p.txn_pos = r->in_msg ? r->msg_pos + 1 : 0;
	if (tag)
		memcpy(p.seg_id, tag, strnlen(tag, 3));
	if (at) {
		p.element = at->element;
		p.component = at->component;
		p.repetition = at->repetition;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eg_fail_at(e, code, &p, "%s", msg);
	if (e && ack)
		snprintf(e->ack_code, sizeof(e->ack_code), "%s", ack);
	return code;
}

static void
compact(eg_edifact_reader *r)
{
	if (r->pos == 0)
		return;
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->base += r->pos;
	r->end -= r->pos;
	r->pos = 0;
}

/* Try to have n unread bytes (fewer only at end of input). */
static eg_err
need(eg_edifact_reader *r, size_t n, eg_error *e)
{
	while (r->end - r->pos < n && !r->eof) {
		size_t got = 0, room;
		eg_err rc;

		if (r->cap - r->end < r->lim.chunk)
			compact(r);
		room = r->cap - r->end;
		if (room == 0)
			return EG_OK;
		if (room > r->lim.chunk)
			room = r->lim.chunk;
		rc = eg_source_read(r->src, r->buf + r->end, room, &got, e);
		if (rc) {
			r->failed = 1;
			return rc;
		}
		if (got == 0)
			r->eof = 1;
		r->end += got;
	}
	return EG_OK;
}

static void
build_classes(eg_edifact_reader *r)
{
	const eg_edifact_delims *d = &r->syn.d;
	int c;

	for (c = 0; c < 256; c++) {
		unsigned char k = C_DATA;

		if ((c < 0x20 && c != '\t' && c != 0x1b && c != 0x0e &&
		     c != 0x0f) ||
		    c == 0x7f)
			k = C_BAD;
		if (is_nl((unsigned char)c))
			k = C_WRAP;
		r->cls[c] = k;
	}
	for (c = 0; c < 256; c++)
		r->badc[c] = r->syn.charset != EG_EDIFACT_CS_UTF8 &&
			     !eg_edifact_char_ok(r->syn.charset, r->strict,
						 (unsigned char)c);
	r->cls[d->element] = C_ELEM;
	r->cls[d->component] = C_COMP;
	if (d->repetition)
		r->cls[d->repetition] = C_REP;
	if (d->release)
		r->cls[d->release] = C_REL;
	/* the terminator never reaches the splitter unreleased */
	if (r->cls[d->segment] == C_BAD || r->cls[d->segment] == C_WRAP)
		r->cls[d->segment] = C_DATA;
	for (c = 0; c < 256; c++)
		r->plain[c] = r->cls[c] == C_DATA && !r->badc[c];
}

static void
set_defaults(eg_edifact_reader *r, int level_b)
{
	eg_edifact_delims *d = &r->syn.d;

	memset(&r->syn, 0, sizeof(r->syn));
	if (level_b) {
		d->component = 0x1f;
		d->element = 0x1d;
		d->segment = 0x1c;
		d->decimal = '.';
		d->level_b = 1;
	} else {
		d->component = ':';
		d->element = '+';
		d->decimal = '.';
		d->release = '?';
		d->segment = '\'';
	}
	build_classes(r);
}

/* Whitespace, line breaks, a BOM at the start, 0x1A between
 * interchanges: what may sit between segments and is not data. */
static eg_err
skip_between(eg_edifact_reader *r, eg_error *e)
{
	for (;;) {
		unsigned char c;
		eg_err rc = need(r, 4, e);

		if (rc)
			return rc;
		if (r->pos == r->end)
			return EG_OK;
		c = r->buf[r->pos];
		if (r->base + r->pos == 0 && r->end - r->pos >= 3 &&
		    memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
			r->pos += 3;
			continue;
		}
		if (!r->expect_start &&
		    (c == r->syn.d.segment || c == r->syn.d.element ||
		     c == r->syn.d.component))
			return EG_OK;
		if (c == ' ' || c == '\t' || is_nl(c) ||
		    (r->expect_start && c == 0x1a)) {
			r->pos++;
			continue;
		}
		return EG_OK;
	}
}

/* --- UNA ------------------------------------------------------------------ */

static eg_err
read_una(eg_edifact_reader *r, eg_error *e)
{
	const unsigned char *p;
	eg_edifact_delims d;
	unsigned char u[6];
	int i, j;
	eg_err rc = need(r, 9, e);

	if (rc)
		return rc;
	if (r->end - r->pos < 9)
		return fail_at(r, e, EG_ESYNTAX, r->pos, "UNA", NULL, "22",
			       "file ends inside the UNA (it is 'UNA' and six "
			       "service characters)");
	p = r->buf + r->pos + 3;
	memcpy(u, p, 6);
	for (i = 0; i < 6; i++) {
		static const char *const what[6] = {
		    "UNA1 component separator", "UNA2 element separator",
		    "UNA3 decimal mark",	"UNA4 release character",
		    "UNA5 repetition separator", "UNA6 segment terminator"};
		eg_edifact_at at = {r->base + r->pos + 3 + (size_t)i, 0, 0, 0};

		if (i == 2) {
			if (u[i] != '.' && u[i] != ',')
				return fail_at(r, e, EG_ESYNTAX, r->pos + 3 + 2,
					       "UNA", &at, "22",
					       "UNA3 decimal mark is '%c': it "
					       "must be '.' or ','",
					       u[i] >= 0x20 && u[i] < 0x7f ? u[i]
									   : '?');
			continue;
		}
		if (u[i] == ' ' && (i == 3 || i == 4))
			continue; /* release / repetition not used */
		if (is_alnum(u[i]) || u[i] == ' ' || is_nl(u[i]) || u[i] == 0)
			return fail_at(r, e, EG_ESYNTAX, r->pos + 3 + (size_t)i,
				       "UNA", &at, "20",
				       "%s is a letter, digit, space, line "
				       "break or NUL: it cannot separate data",
				       what[i]);
		for (j = 0; j < i; j++)
			if (j != 2 && u[j] == u[i])
				return fail_at(r, e, EG_ESYNTAX,
					       r->pos + 3 + (size_t)i, "UNA", &at,
					       "22",
					       "%s is the same character as "
					       "%s",
					       what[i], what[j]);
	}
	memset(&d, 0, sizeof(d));
	d.component = u[0];
	d.element = u[1];
	d.decimal = u[2];
	d.release = u[3] == ' ' ? 0 : u[3];
	/* UNA5 becomes the repetition separator only after a UNB of
	 * version 4 (read_unb). */
	d.repetition = u[4] == ' ' ? 0 : u[4];
	d.segment = u[5];
	d.una = 1;
	memset(&r->syn, 0, sizeof(r->syn));
	r->syn.d = d;
	r->syn.d.repetition = 0;
	build_classes(r);
	r->syn.d.repetition = d.repetition; /* kept for read_unb */
	r->pos += 9;
	return EG_OK;
}

/* --- splitting ------------------------------------------------------------ */

static int
valid_tag(eg_span t)
{
	const unsigned char *p = (const unsigned char *)t.p;

	return t.len == 3 && p[0] >= 'A' && p[0] <= 'Z' &&
	       (is_alnum(p[1]) && !(p[1] >= 'a')) &&
	       (is_alnum(p[2]) && !(p[2] >= 'a'));
}

/*
 * Split [s, t) (the terminator at t) into the arrays; compacts the raw
 * bytes in place (line breaks out) and unescapes into ubuf when the
 * segment holds a release character.
 */
static eg_err
split(eg_edifact_reader *r, size_t s, size_t t, eg_error *e)
{
	unsigned char *p = r->buf;
	const unsigned char *cls = r->cls;
	const int rel = r->syn.d.release &&
			memchr(p + s, r->syn.d.release, t - s) != NULL;
	char *vb = rel ? r->ubuf : (char *)p;
	size_t i, w = s, u = 0, vst = rel ? 0 : s, vend;
	uint32_t nel = 0, nrep = 0, nval = 0;
	int esc = 0, wrap = 0;
	unsigned char bad = 0;
	unsigned char last = 0; /* class of the last byte that counted */
	size_t last_sep = s;    /* where the last separator was */
	eg_edifact_at at = {0, 0, 1, 1};
	char tag[4] = "";

	r->el[0].first_rep = 0;
	r->rp[0].first_val = 0;
	for (i = s; i < t; i++) {
		unsigned char c;
		unsigned k;

		/* Fast path: with no release character and nothing removed
		 * so far, a run of plain data bytes needs no copying and no
		 * classing -- skip it in one tight loop (most of the bytes
		 * of a file); the byte that ends it takes the general path. */
		if (!rel && w == i) {
			const unsigned char *pl = r->plain;
			size_t j = i;

			while (j + 4 <= t && pl[p[j]] && pl[p[j + 1]] &&
			       pl[p[j + 2]] && pl[p[j + 3]])
				j += 4;
			while (j < t && pl[p[j]])
				j++;
			if (j != i) {
				last = C_DATA;
				w = i = j;
				if (i >= t)
					break;
			}
		}
		c = p[i];
		k = cls[c];
		if (k == C_WRAP) {
			wrap = 1;
			continue;
		}
		if (w != i)
			p[w] = c;
		w++;
		if (esc) {
			/* a release character makes separators data, never
			 * control bytes */
			esc = 0;
			if (k != C_BAD)
				k = C_DATA;
		} else if (k == C_REL) {
			esc = 1;
			last = C_REL;
			continue;
		}
		if (k == C_DATA) {
			if (rel)
				vb[u++] = (char)c;
			bad |= r->badc[c];
			last = C_DATA;
			continue;
		}
		if (k == C_BAD) {
			at.offset = r->base + i;
			return fail_at(r, e, EG_ESYNTAX, i, tag[0] ? tag : NULL,
				       &at, "21",
				       "%s byte 0x%02X in segment data (binary "
				       "data, or separators that do not match "
				       "the UNA?)",
				       c == 0 ? "NUL" : "control", c);
		}
		/* a separator closes the value */
		if (nval >= r->lim.max_values)
			goto too_many;
		vend = rel ? u : w - 1; /* the separator is at w - 1 */
		r->val[nval].p = vb + vst;
		r->val[nval].len = vend - vst;
		nval++;
		vst = rel ? u : w;
		if (nel == 0 && at.component == 1 && at.repetition == 1) {
			if (!valid_tag(r->val[0]))
				goto bad_tag;
			memcpy(tag, r->val[0].p, 3);
		}
		if (k == C_COMP) {
			at.component++;
		} else {
			r->rp[nrep].nval = nval - r->rp[nrep].first_val;
			if (++nrep >= r->lim.max_values)
				goto too_many;
			r->rp[nrep].first_val = nval;
			at.component = 1;
			if (k == C_REP) {
				at.repetition++;
			} else {
				r->el[nel].nrep = nrep - r->el[nel].first_rep;
				if (++nel > r->lim.max_elements)
					goto too_many_el;
				r->el[nel].first_rep = nrep;
				at.element = (uint16_t)nel;
				at.repetition = 1;
			}
		}
		last = (unsigned char)k;
		last_sep = i;
	}
	if (nval >= r->lim.max_values)
		goto too_many;
	vend = rel ? u : w;
	r->val[nval].p = vb + vst;
	r->val[nval].len = vend - vst;
	nval++;
	r->rp[nrep].nval = nval - r->rp[nrep].first_val;
	nrep++;
	r->el[nel].nrep = nrep - r->el[nel].first_rep;
	if (nel == 0 && !valid_tag(r->val[0]))
		goto bad_tag;
	r->seg.nelem = nel;
	r->seg.raw = (const char *)p + s;
	r->seg.raw_len = w - s;
	r->seg.unwrapped = wrap;
	r->seg.released = rel;
	r->any_bad = bad;
	r->seg.trailing = 0;
	if (last == C_ELEM || last == C_COMP || last == C_REP) {
		r->seg.trailing = last == C_ELEM   ? r->syn.d.element
				  : last == C_COMP ? r->syn.d.component
						   : r->syn.d.repetition;
		/* the position of the empty piece the separator opened */
		r->seg.trailing_at = at;
		r->seg.trailing_at.offset = r->base + last_sep;
	}
	return EG_OK;
bad_tag: {
	eg_buf b;
	eg_err rc2;
	char shown[64];
	size_t n = r->val[0].len > 12 ? 12 : r->val[0].len;

	eg_buf_init(&b, 64);
	rc2 = eg_buf_add_printable(&b, r->val[0].p, n);
	snprintf(shown, sizeof(shown), "%s%s", rc2 ? "?" : eg_buf_cstr(&b),
		 r->val[0].len > 12 ? "..." : "");
	eg_buf_free(&b);
	return fail_at(r, e, EG_ESYNTAX, s, NULL, NULL, "12",
		       "invalid segment tag '%s': expected three capital "
		       "letters or digits (junk, or separators that do not "
		       "match the UNA?)",
		       shown);
}
too_many:
	return fail_at(r, e, EG_ELIMIT, s, tag[0] ? tag : NULL, NULL, "16",
		       "segment has more than %zu values (limit max_values)",
		       r->lim.max_values);
too_many_el:
	return fail_at(r, e, EG_ELIMIT, s, tag[0] ? tag : NULL, NULL, "16",
		       "segment has more than %zu data elements (limit "
		       "max_elements)",
		       r->lim.max_elements);
}

/* Is the terminator at buf index q released (odd run of release
 * characters before it, line breaks inside the run skipped)? */
static int
released_at(const eg_edifact_reader *r, size_t q)
{
	size_t n = 0, i = q;
	const unsigned char rc = r->syn.d.release;

	if (!rc)
		return 0;
	while (i > r->pos) {
		unsigned char c = r->buf[i - 1];

		if (c == rc)
			n++;
		else if (!is_nl(c) || r->cls[c] != C_WRAP)
			break;
		i--;
	}
	return n & 1;
}

/* --- repertoire and service segments ------------------------------------ */

/* Record the first character outside the repertoire. */
static void
check_repertoire(eg_edifact_reader *r)
{
	eg_edifact_segment *s = &r->seg;
	eg_edifact_charset cs = r->syn.charset;
	size_t i, k, v, j;

	s->bad_char = 0;
	memset(&s->bad_at, 0, sizeof(s->bad_at));
	if (r->strict == EG_EDIFACT_REP_OFF || cs == EG_EDIFACT_CS_UNKNOWN)
		return;
	/* the split pass flagged nothing: only UTF-8 (checked per
	 * sequence) and a UNB (its repertoire was not known while it was
	 * split) need this pass */
	if (!r->any_bad && cs != EG_EDIFACT_CS_UTF8 &&
	    s->tag != EG_EDIFACT_UNB)
		return;
	for (i = 0; i <= s->nelem; i++) {
		const eg_edifact_elem *el = &r->el[i];

		for (k = 0; k < el->nrep; k++) {
			const eg_edifact_rep *rp = &r->rp[el->first_rep + k];

			for (v = 0; v < rp->nval; v++) {
				eg_span sp = r->val[rp->first_val + v];
				int need_cont = 0;

				for (j = 0; j < sp.len; j++) {
					unsigned char c = (unsigned char)sp.p[j];
					int ok = eg_edifact_char_ok(cs, r->strict, c);

					if (ok && cs == EG_EDIFACT_CS_UTF8) {
						if (need_cont) {
							ok = (c & 0xc0) == 0x80;
							need_cont--;
						} else if (c >= 0x80) {
							ok = c >= 0xc2 && c <= 0xf4;
							need_cont = c >= 0xf0 ? 3
								    : c >= 0xe0 ? 2
										: 1;
						}
					}
					if (ok && !(need_cont && j + 1 == sp.len))
						continue;
					s->bad_char = c ? c : 0xff;
					s->bad_at.offset = s->offset;
					if (!s->released && !s->unwrapped)
						s->bad_at.offset +=
						    (uint64_t)(sp.p + j - s->raw);
					s->bad_at.element = (uint16_t)i;
					s->bad_at.repetition = (uint16_t)(k + 1);
					s->bad_at.component = (uint16_t)(v + 1);
					return;
				}
			}
		}
	}
}

/* After a UNB: the syntax identifier and version, and with them the
 * repertoire and the repetition separator. */
static void
read_unb(eg_edifact_reader *r)
{
	eg_edifact_segment *s = &r->seg;
	eg_span id = eg_edifact_comp(s, 1, 1), ver = eg_edifact_comp(s, 1, 2);
	unsigned char una5 = r->syn.d.una ? r->syn.d.repetition : 0;

	memset(r->syn.id, 0, sizeof(r->syn.id));
	memcpy(r->syn.id, id.p, id.len < 4 ? id.len : 4);
	r->syn.version = 0;
	if (ver.len == 1 && ((ver.p[0] >= '1' && ver.p[0] <= '4') ||
			     ver.p[0] == 'X'))
		r->syn.version = ver.p[0];
	r->syn.charset = eg_edifact_charset_of(id.p, id.len);
	r->syn.d.repetition = 0;
	if (r->syn.version == '4') {
		if (r->syn.d.una)
			r->syn.d.repetition = una5;
		else
			r->syn.d.repetition = r->syn.d.level_b ? 0x1e : '*';
		/* the UNA5 must still differ from the others (read_una
		 * checked); a level A '*' never collides with defaults */
	}
	build_classes(r);
}

static void
set_segment(eg_edifact_reader *r, uint64_t offset)
{
	eg_edifact_segment *s = &r->seg;
	eg_span t = r->val[0];
	/* the tag from the bytes, not read back from s->id: a 16-bit load
	 * of two bytes just stored one by one stalls store forwarding */
	const char a = t.p[0], b = t.p[1], c = t.p[2];
	const uint32_t tag = EG_EDIFACT_TAG(a, b, c);

	s->id[0] = a;
	s->id[1] = b;
	s->id[2] = c;
	s->id[3] = '\0';
	s->tag = tag;
	s->elem = r->el;
	s->rep = r->rp;
	s->val = r->val;
	s->offset = offset;
	s->index = ++r->nseg;
	s->interchange = r->interchange;
	s->syntax = &r->syn;
	if (a == 'U' && b == 'N') {
		if (tag == EG_EDIFACT_UNH) {
			r->in_msg = 1;
			r->msg_pos = 0;
		} else if (s->tag == EG_EDIFACT_UNB ||
			   s->tag == EG_EDIFACT_UNZ ||
			   s->tag == EG_EDIFACT_UNG ||
			   s->tag == EG_EDIFACT_UNE) {
			r->in_msg = 0;
			r->msg_pos = 0;
		}
	}
	r->msg_pos += r->in_msg ? 1 : 0;
	s->msg_pos = r->in_msg ? r->msg_pos : 0;
	if (s->tag == EG_EDIFACT_UNT)
		r->in_msg = 0;
}

static eg_err
read_segment(eg_edifact_reader *r, const eg_edifact_segment **out,
	     eg_error *e)
{
	const unsigned char term = r->syn.d.segment;
	size_t off = 0, rel;
	uint64_t offset;
	eg_err rc;

	for (;;) {
		size_t avail = r->end - r->pos;
		unsigned char *q = off < avail ? memchr(r->buf + r->pos + off,
							 term, avail - off)
					       : NULL;

		if (q) {
			rel = (size_t)(q - (r->buf + r->pos));
			if (!released_at(r, r->pos + rel))
				break;
			off = rel + 1;
			continue;
		}
		off = avail;
		if (avail > r->lim.max_segment)
			return fail_at(r, e, EG_ELIMIT, r->pos, NULL, NULL, NULL,
				       "segment longer than %zu bytes without "
				       "a terminator (limit max_segment)",
				       r->lim.max_segment);
		if (r->eof)
			return fail_at(r, e, EG_ESYNTAX, r->pos, NULL, NULL, "13",
				       "file ends inside a segment: no segment "
				       "terminator (truncated file, or a "
				       "terminator that does not match the "
				       "UNA?)");
		rc = need(r, avail + 1, e);
		if (rc)
			return rc;
	}
	if (rel > r->lim.max_segment)
		return fail_at(r, e, EG_ELIMIT, r->pos, NULL, NULL, NULL,
			       "segment is %zu bytes, longer than %zu (limit "
			       "max_segment)",
			       rel, r->lim.max_segment);
	offset = r->base + r->pos;
	rc = split(r, r->pos, r->pos + rel, e);
	if (rc)
		return rc;
	set_segment(r, offset);
	if (r->seg.tag == EG_EDIFACT_UNB) {
		r->interchange++;
		r->seg.interchange = r->interchange;
		r->in_ichg = 1;
		read_unb(r);
	}
	check_repertoire(r);
	if (r->seg.tag == EG_EDIFACT_UNZ) {
		r->expect_start = 1;
		r->in_ichg = 0;
	}
	r->pos += rel + 1;
	*out = &r->seg;
	return EG_OK;
}

static eg_err
not_edifact(eg_edifact_reader *r, eg_error *e)
{
	const unsigned char *p = r->buf + r->pos;
	size_t n = r->end - r->pos;

	if (eg_format_encoding_problem(p, n))
		return fail_at(r, e, EG_EENCODING, r->pos, NULL, NULL, "46",
			       "%s", eg_format_encoding_problem(p, n));
	if (n >= 3 && p[0] == 0xE4 && p[1] == 0xD5 &&
	    (p[2] == 0xC1 || p[2] == 0xC2))
		return fail_at(r, e, EG_EENCODING, r->pos, NULL, NULL, "46",
			       "the file is EBCDIC (UNA/UNB in code page "
			       "037), not ASCII; convert it first, e.g. "
			       "iconv -f IBM037 -t ISO-8859-1");
	return fail_at(r, e, EG_ESYNTAX, r->pos, NULL, NULL, "13",
		       r->nseg == 0 ? "not an EDIFACT interchange: expected "
				      "UNA or UNB at the start of the file"
				    : "unexpected data after UNZ: expected "
				      "UNA, UNB or the end of the file");
}

eg_err
eg_edifact_reader_next(eg_edifact_reader *r, const eg_edifact_segment **out,
		       eg_error *e)
{
	const unsigned char *p;
	eg_err rc;

	*out = NULL;
	if (r->failed)
		return eg_fail(e, EG_EINVAL, "EDIFACT reader used after an "
					     "error");
	for (;;) {
		rc = skip_between(r, e);
		if (rc)
			return rc;
		if (r->pos == r->end) {
			if (r->expect_start == 2)
				return fail_at(r, e, EG_ESYNTAX, r->pos, "UNA",
					       NULL, "13",
					       "file ends after the UNA: no UNB");
			if (r->nseg == 0)
				return fail_at(r, e, EG_ESYNTAX, r->pos, NULL,
					       NULL, "13",
					       "empty file: no UNA or UNB");
			return EG_OK;
		}
		rc = need(r, 9, e);
		if (rc)
			return rc;
		p = r->buf + r->pos;
		if (r->end - r->pos >= 4 && p[0] == 'U' && p[1] == 'N' &&
		    p[2] == 'A' && !is_alnum(p[3]) &&
		    (r->expect_start || p[3] != r->syn.d.element)) {
			rc = read_una(r, e);
			if (rc)
				return rc;
			r->expect_start = 2; /* a UNB must follow */
			continue;
		}
		if (r->expect_start) {
			if (r->end - r->pos < 4 || memcmp(p, "UNB", 3) != 0) {
				if (r->expect_start == 2)
					return fail_at(r, e, EG_ESYNTAX, r->pos,
						       NULL, NULL, "13",
						       "UNA is not followed by "
						       "a UNB");
				return not_edifact(r, e);
			}
			if (r->expect_start == 1)
				set_defaults(r, p[3] == 0x1d);
			if (p[3] != r->syn.d.element)
				return fail_at(
				    r, e, EG_ESYNTAX, r->pos + 3, "UNB", NULL,
				    "22",
				    "UNB is followed by 0x%02X, not the element "
				    "separator '%c'%s",
				    p[3], r->syn.d.element >= 0x20 ? r->syn.d.element : '?',
				    r->syn.d.una ? " the UNA declares"
						 : " (no UNA declares other "
						   "separators)");
			r->expect_start = 0;
		}
		if (r->syn.d.segment == p[0]) {
			/* an empty segment (two terminators): skip */
			r->pos++;
			continue;
		}
		return read_segment(r, out, e);
	}
}

/* --- access ------------------------------------------------------------ */

size_t
eg_edifact_repetition_count(const eg_edifact_segment *s, size_t i)
{
	if (i > s->nelem)
		return 0;
	return s->elem[i].nrep;
}

size_t
eg_edifact_component_count(const eg_edifact_segment *s, size_t i, size_t rep)
{
	if (i > s->nelem || rep == 0 || rep > s->elem[i].nrep)
		return 0;
	return s->rep[s->elem[i].first_rep + rep - 1].nval;
}

eg_span
eg_edifact_value(const eg_edifact_segment *s, size_t i, size_t rep,
		 size_t comp)
{
	eg_span none = {"", 0};
	const eg_edifact_rep *rp;

	if (i > s->nelem || rep == 0 || rep > s->elem[i].nrep || comp == 0)
		return none;
	rp = &s->rep[s->elem[i].first_rep + rep - 1];
	if (comp > rp->nval)
		return none;
	return s->val[rp->first_val + comp - 1];
}

eg_span
eg_edifact_comp(const eg_edifact_segment *s, size_t i, size_t comp)
{
	return eg_edifact_value(s, i, 1, comp);
}

void
eg_edifact_segment_pos(const eg_edifact_segment *s, eg_pos *pos)
{
	memset(pos, 0, sizeof(*pos));
	pos->offset = s->offset;
	pos->segment = s->index;
	pos->txn_pos = s->msg_pos;
	memcpy(pos->seg_id, s->id, sizeof(pos->seg_id));
}
