/*
 * metrics.c - Prometheus text exposition (see metrics.h).
 *
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 * (text format 0.0.4): "# HELP", "# TYPE", then samples
 * name{label="value"} value; label values escape \ " and newline; HELP
 * text escapes \ and newline; histograms are cumulative _bucket series
 * with le="+Inf" equal to _count.
 */
#include "edigate/metrics.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edigate/fsutil.h"

static int
name_ok(const char *s, int colon)
{
	size_t i;

	if (!s || !s[0])
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      c == '_' || (colon && c == ':') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

/* Runs of plain bytes are copied at once: a page is mostly names. */
static eg_err
escaped(eg_buf *b, const char *s, int quote)
{
	eg_err rc = EG_OK;

	while (*s && !rc) {
		size_t n = strcspn(s, quote ? "\\\n\"" : "\\\n");

		if (n && (rc = eg_buf_add(b, s, n)))
			return rc;
		s += n;
		if (*s == '\\')
			rc = eg_buf_adds(b, "\\\\");
		else if (*s == '\n')
			rc = eg_buf_adds(b, "\\n");
		else if (*s == '"')
			rc = eg_buf_adds(b, "\\\"");
		else
			break;
		s++;
	}
	return rc;
}

eg_err
eg_metrics_family(eg_buf *b, const char *name, const char *type,
		  const char *help)
{
	eg_err rc;

	if (!name_ok(name, 1) ||
	    (strcmp(type, "counter") && strcmp(type, "gauge") &&
	     strcmp(type, "histogram")))
		return EG_EINVAL;
	if ((rc = eg_buf_addf(b, "# HELP %s ", name)) ||
	    (rc = escaped(b, help, 0)) ||
	    (rc = eg_buf_addf(b, "\n# TYPE %s %s\n", name, type)))
		return rc;
	return EG_OK;
}

/* A whole number without printf (most samples are counts and times). */
static eg_err
integer(eg_buf *b, long long v)
{
	char d[24];
	size_t n = sizeof(d);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
				     : (unsigned long long)v;

	do
		d[--n] = (char)('0' + u % 10);
	while ((u /= 10) && n > 1);
	if (v < 0)
		d[--n] = '-';
	return eg_buf_add(b, d + n, sizeof(d) - n);
}

static eg_err
value(eg_buf *b, double v)
{
	if (isinf(v))
		return eg_buf_adds(b, v > 0 ? "+Inf" : "-Inf");
	if (isnan(v))
		return eg_buf_adds(b, "NaN");
	if (v > -9e15 && v < 9e15 && v == (double)(long long)v)
		return integer(b, (long long)v);
	return eg_buf_addf(b, "%.17g", v);
}

/* name{labels[,extra="ev"]} */
static eg_err
series(eg_buf *b, const char *name, const char *suffix,
       const char *const *labels, const char *extra, const char *ev)
{
	size_t i;
	int first = 1;
	eg_err rc;

	if (!name_ok(name, 1))
		return EG_EINVAL;
	if ((rc = eg_buf_adds(b, name)) || (rc = eg_buf_adds(b, suffix)))
		return rc;
	for (i = 0; labels && labels[i]; i += 2) {
		if (!name_ok(labels[i], 0) || !strncmp(labels[i], "__", 2))
			return EG_EINVAL;
		if (!labels[i + 1])
			continue;
		if ((rc = eg_buf_addc(b, first ? '{' : ',')) ||
		    (rc = eg_buf_adds(b, labels[i])) ||
		    (rc = eg_buf_add(b, "=\"", 2)) ||
		    (rc = escaped(b, labels[i + 1], 1)) ||
		    (rc = eg_buf_addc(b, '"')))
			return rc;
		first = 0;
	}
	if (extra && ((rc = eg_buf_addc(b, first ? '{' : ',')) ||
		      (rc = eg_buf_adds(b, extra)) ||
		      (rc = eg_buf_add(b, "=\"", 2)) ||
		      (rc = eg_buf_adds(b, ev)) || (rc = eg_buf_addc(b, '"'))))
		return rc;
	if (!first || extra)
		return eg_buf_addc(b, '}');
	return EG_OK;
}

eg_err
eg_metrics_sample(eg_buf *b, const char *name, const char *const *labels,
		  double v)
{
	eg_err rc;

	if ((rc = series(b, name, "", labels, NULL, NULL)) ||
	    (rc = eg_buf_addc(b, ' ')) || (rc = value(b, v)))
		return rc;
	return eg_buf_addc(b, '\n');
}

void
eg_metrics_hist_init(eg_metrics_hist *h, const double *bounds, size_t n)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	if (n > EG_METRICS_MAX_BUCKETS)
		n = EG_METRICS_MAX_BUCKETS;
	memcpy(h->bounds, bounds, n * sizeof(*bounds));
	h->n = n;
	for (i = 0; i < n; i++)
		snprintf(h->le[i], sizeof(h->le[i]), "%g", bounds[i]);
}

void
eg_metrics_hist_observe(eg_metrics_hist *h, double v)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (v <= h->bounds[i]) {
			h->counts[i]++;
			break;
		}
	h->count++;
	h->sum += v;
}

eg_err
eg_metrics_hist_write(eg_buf *b, const char *name, const char *const *labels,
		      const eg_metrics_hist *h)
{
	unsigned long long cum = 0;
	const char *le;
	size_t i;
	eg_err rc;

	for (i = 0; i <= h->n; i++) {
		if (i < h->n) {
			cum += h->counts[i];
			le = h->le[i];
		} else {
			cum = h->count;
			le = "+Inf";
		}
		if ((rc = series(b, name, "_bucket", labels, "le", le)) ||
		    (rc = eg_buf_addc(b, ' ')) ||
		    (rc = integer(b, (long long)cum)) ||
		    (rc = eg_buf_addc(b, '\n')))
			return rc;
	}
	if ((rc = series(b, name, "_sum", labels, NULL, NULL)) ||
	    (rc = eg_buf_addc(b, ' ')) || (rc = value(b, h->sum)) ||
	    (rc = eg_buf_addc(b, '\n')) ||
	    (rc = series(b, name, "_count", labels, NULL, NULL)) ||
	    (rc = eg_buf_addc(b, ' ')) ||
	    (rc = integer(b, (long long)h->count)))
		return rc;
	return eg_buf_addc(b, '\n');
}

eg_err
eg_metrics_publish(const char *path, const eg_buf *b, eg_error *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *name;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		name = path;
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return eg_fail(e, EG_EINVAL, "metrics file path too "
						     "long");
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (!dir[0])
			snprintf(dir, sizeof(dir), "/");
		name = slash + 1;
	}
	if (!name[0])
		return eg_fail(e, EG_EINVAL, "metrics file '%s' names a folder",
			       path);
	return eg_file_publish(dir, name, eg_buf_cstr(b), b->len, e);
}
