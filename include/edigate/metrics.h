/*
 * metrics.h - the Prometheus text exposition format (version 0.0.4):
 * families, samples with labels, histograms, and a textfile published
 * atomically for node_exporter's textfile collector.
 *
 * The caller writes one family at a time into an eg_buf (a family's
 * samples must follow its # HELP / # TYPE lines); names and label names
 * are checked, label values escaped.  Nothing here allocates beyond the
 * caller's buffer.
 */
#ifndef EDIGATE_METRICS_H
#define EDIGATE_METRICS_H

#include <stddef.h>

#include "edigate/buf.h"
#include "edigate/err.h"

/* The Content-Type of what eg_metrics_* writes. */
#define EG_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (counter, gauge,
 * histogram).  EG_EINVAL for a malformed name or type. */
eg_err eg_metrics_family(eg_buf *b, const char *name, const char *type,
			 const char *help) EG_MUST_USE;

/*
 * One sample: name{k1="v1",...} value.  labels is NULL or a list of
 * name, value pairs ended by NULL; a pair whose value is NULL is left
 * out.  Integral values are written without a decimal point.
 */
eg_err eg_metrics_sample(eg_buf *b, const char *name,
			 const char *const *labels, double v) EG_MUST_USE;

#define EG_METRICS_MAX_BUCKETS 16

typedef struct eg_metrics_hist {
	double bounds[EG_METRICS_MAX_BUCKETS]; /* upper bounds, rising */
	char le[EG_METRICS_MAX_BUCKETS][24];   /* the bounds as written */
	unsigned long long counts[EG_METRICS_MAX_BUCKETS]; /* not cumulative */
	size_t n;
	unsigned long long count;
	double sum;
} eg_metrics_hist;

/* Bounds (at most EG_METRICS_MAX_BUCKETS, rising; +Inf is implicit). */
void eg_metrics_hist_init(eg_metrics_hist *h, const double *bounds,
			  size_t n);
void eg_metrics_hist_observe(eg_metrics_hist *h, double v);
/* name_bucket{...,le="B"} (cumulative), name_sum, name_count. */
eg_err eg_metrics_hist_write(eg_buf *b, const char *name,
			     const char *const *labels,
			     const eg_metrics_hist *h) EG_MUST_USE;

/* Publish b as the file path (temp name ".NAME.PID.tmp" in the same
 * folder, fsync, rename: the collector never reads half a file). */
eg_err eg_metrics_publish(const char *path, const eg_buf *b,
			  eg_error *e) EG_MUST_USE;

#endif
