/*
 * namepat.h - the file names edigate gives what it sends.
 *
 * A profile's <outbound file-name=> is a pattern such as
 * "{partner}-{set}-{control}.x12".  Placeholders:
 *
 *   {partner}  the partner id             "acme"
 *   {set}      the document type          "997", "TA1", "856"
 *   {control}  our interchange control    "000000042"
 *   {date}     UTC date of the run        "20261207"
 *   {time}     UTC time of the run        "203145"
 *
 * {control} is required: it is what keeps two files apart in the
 * partner's folder (without it the second acknowledgement of a run would
 * replace the first).  Literal text is limited to letters, digits and
 * "._-" so a name means the same on every server and never leaves the
 * outbox folder.
 */
#ifndef EDIGATE_NAMEPAT_H
#define EDIGATE_NAMEPAT_H

#include <stddef.h>
#include <time.h>

#include "edigate/err.h"

#define EG_NAMEPAT_DEFAULT "{partner}-{set}-{control}.x12"
#define EG_NAMEPAT_MAX 128 /* longest pattern and longest name */

typedef struct eg_namepat_vals {
	const char *partner;
	const char *set;
	const char *control;
	time_t now;
} eg_namepat_vals;

/*
 * Why this pattern cannot be used, as a sentence for `partner check`
 * written into why; 0 when it can (why is then "").
 */
int eg_namepat_check(const char *pat, char *why, size_t cap);

/*
 * The file name for these values.  Fails (EG_EINVAL) on a pattern that
 * eg_namepat_check refuses or a value that would put unsafe characters
 * in the name, so nothing is ever sent under a name we did not mean.
 */
eg_err eg_namepat_fill(const char *pat, const eg_namepat_vals *v, char *dst,
		       size_t cap, eg_error *e) EG_MUST_USE;

#endif
