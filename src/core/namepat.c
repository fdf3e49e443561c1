/*
 * namepat.c - outbound file-name patterns (see namepat.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "edigate/namepat.h"

static const char *const keys[] = {"partner", "set", "control", "date",
				   "time"};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
safe_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Index of the placeholder starting at p ("{set}..."), its length in
 * *len; -1 when p does not start a known one. */
static int
placeholder(const char *p, size_t *len)
{
	size_t k, n;

	for (k = 0; k < NKEYS; k++) {
		n = strlen(keys[k]);
		if (p[0] == '{' && !strncmp(p + 1, keys[k], n) &&
		    p[n + 1] == '}') {
			*len = n + 2;
			return (int)k;
		}
	}
	return -1;
}

int
eg_namepat_check(const char *pat, char *why, size_t cap)
{
	const char *p;
	int control = 0;
	size_t len;

	why[0] = '\0';
	if (!pat || !pat[0]) {
		snprintf(why, cap, "it is empty");
		return 1;
	}
	if (strlen(pat) >= EG_NAMEPAT_MAX) {
		snprintf(why, cap, "it is longer than %d characters",
			 EG_NAMEPAT_MAX - 1);
		return 1;
	}
	if (pat[0] == '.') {
		snprintf(why, cap,
			 "names starting with '.' are hidden and are what "
			 "uploads in progress are called");
		return 1;
	}
	for (p = pat; *p;) {
		int k = placeholder(p, &len);

		if (k >= 0) {
			control |= k == 2;
			p += len;
			continue;
		}
		if (*p == '{') {
			snprintf(why, cap,
				 "'%.20s' is not a placeholder (use {partner}, "
				 "{set}, {control}, {date} or {time})",
				 p);
			return 1;
		}
		if (!safe_char(*p)) {
			snprintf(why, cap,
				 "'%c' is not allowed in a file name here (use "
				 "letters, digits, '.', '_' and '-')",
				 *p);
			return 1;
		}
		p++;
	}
	len = strlen(pat);
	if (len >= 5 && !strcmp(pat + len - 5, ".part")) {
		snprintf(why, cap,
			 "names ending in .part are what uploads in progress "
			 "are called");
		return 1;
	}
	if (!control) {
		snprintf(why, cap,
			 "it has no {control}, so two files sent in one run "
			 "would get the same name and the second would replace "
			 "the first");
		return 1;
	}
	return 0;
}

eg_err
eg_namepat_fill(const char *pat, const eg_namepat_vals *v, char *dst,
		size_t cap, eg_error *e)
{
	char why[160], date[16], tod[16];
	const char *val[NKEYS];
	struct tm tm;
	size_t k = 0, len, i;

	if (eg_namepat_check(pat, why, sizeof(why)))
		return eg_fail(e, EG_ECONFIG, "file-name pattern \"%s\": %s",
			       pat ? pat : "", why);
	gmtime_r(&v->now, &tm);
	strftime(date, sizeof(date), "%Y%m%d", &tm);
	strftime(tod, sizeof(tod), "%H%M%S", &tm);
	val[0] = v->partner, val[1] = v->set, val[2] = v->control;
	val[3] = date, val[4] = tod;
	for (i = 0; i < NKEYS; i++) {
		const char *s = val[i] ? val[i] : "";

		for (; *s; s++)
			if (!safe_char(*s))
				return eg_fail(e, EG_ECONFIG,
					       "the {%s} of a file name would "
					       "be \"%s\", which has a character "
					       "a file name cannot carry",
					       keys[i], val[i]);
	}
	while (*pat) {
		int ph = placeholder(pat, &len);
		const char *s = ph >= 0 ? (val[ph] ? val[ph] : "") : NULL;
		size_t n = s ? strlen(s) : 1;

		if (k + n >= cap)
			return eg_fail(e, EG_ECONFIG,
				       "the file name made from \"%s\" is too long",
				       pat);
		memcpy(dst + k, s ? s : pat, n);
		k += n;
		pat += s ? len : 1;
	}
	dst[k] = '\0';
	return EG_OK;
}
