/*
 * csv_value.c - numbers as CSV files write them (csv.h: eg_csv_number).
 *
 * A layout says per column which mark is the decimal one and which
 * groups thousands, because the file cannot: "1.234" is one thousand two
 * hundred and thirty-four in Germany and one point two three four in the
 * USA.  Thousands separators must group exactly three digits, which
 * catches the commonest mix-up ("1,5" read with ',' as the thousands
 * separator is refused, not turned into 15).  Fixed-width numbers may
 * carry implied decimals ("140000" with 4 is 14).
 */
#include <stdio.h>
#include <string.h>

#include "edigate/csv.h"

static int
why_is(char *why, size_t cap, const char *s)
{
	snprintf(why, cap, "%s", s);
	return -1;
}

int
eg_csv_number(const char *p, size_t n, char dec, char thou, unsigned implied,
	      char *out, size_t cap, char *why, size_t whycap)
{
	char ip[64], fp[64];
	size_t ni = 0, nf = 0, i = 0, group = 0, o, k;
	int neg = 0, seen_thou = 0, seen_dec = 0;

	while (n > 0 && p[0] == ' ')
		p++, n--;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return why_is(why, whycap, "is empty");
	if (p[0] == '-' || p[0] == '+') {
		neg = p[0] == '-';
		i = 1;
	} else if (p[n - 1] == '-') {
		neg = 1; /* "12,50-": the trailing minus of old exports */
		n--;
	}
	for (; i < n; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9') {
			if (seen_dec) {
				if (nf + 1 >= sizeof(fp))
					return why_is(why, whycap,
						      "has too many digits");
				fp[nf++] = c;
			} else {
				if (ni + 1 >= sizeof(ip))
					return why_is(why, whycap,
						      "has too many digits");
				ip[ni++] = c;
				group++;
			}
		} else if (c == dec && !seen_dec) {
			if (seen_thou && group != 3)
				return why_is(why, whycap,
					      "has a thousands separator that "
					      "does not group three digits");
			seen_dec = 1;
		} else if (thou && c == thou && !seen_dec) {
			if (ni == 0 || (seen_thou ? group != 3 : group > 3))
				return why_is(why, whycap,
					      "has a thousands separator that "
					      "does not group three digits "
					      "(is the decimal mark set right "
					      "for this column?)");
			seen_thou = 1;
			group = 0;
		} else if (c == '.' || c == ',') {
			return why_is(why, whycap,
				      dec == ','
					  ? "has a '.' or a second ',' where "
					    "the column's decimal mark is ','"
					  : "has a ',' or a second '.' where "
					    "the column's decimal mark is '.'");
		} else {
			return why_is(why, whycap, "is not a number");
		}
	}
	if (seen_thou && !seen_dec && group != 3)
		return why_is(why, whycap,
			      "has a thousands separator that does not group "
			      "three digits (is the decimal mark set right for "
			      "this column?)");
	if (ni + nf == 0)
		return why_is(why, whycap, "is not a number");
	if (implied) {
		if (seen_dec)
			return why_is(why, whycap,
				      "has a decimal mark where the layout "
				      "says the decimals are implied");
		if (implied >= sizeof(fp))
			return why_is(why, whycap, "has too many decimals");
		while (ni < implied) { /* "5" with 2 implied: 0.05 */
			memmove(ip + 1, ip, ni);
			ip[0] = '0';
			ni++;
		}
		memcpy(fp, ip + ni - implied, implied);
		nf = implied;
		ni -= implied;
	}
	/* canonical: no leading zeros, no trailing fraction zeros */
	o = 0;
	while (o + 1 < ni && ip[o] == '0')
		o++;
	while (nf > 0 && fp[nf - 1] == '0')
		nf--;
	if (ni == 0) {
		ip[0] = '0';
		ni = 1;
		o = 0;
	}
	if (ni - o == 1 && ip[o] == '0' && nf == 0)
		neg = 0; /* no "-0" */
	/* assembled by hand: snprintf was a tenth of mapping a row */
	if ((size_t)neg + (ni - o) + (nf ? nf + 1 : 0) >= cap)
		return why_is(why, whycap, "is too long");
	k = 0;
	if (neg)
		out[k++] = '-';
	memcpy(out + k, ip + o, ni - o);
	k += ni - o;
	if (nf) {
		out[k++] = '.';
		memcpy(out + k, fp, nf);
		k += nf;
	}
	out[k] = '\0';
	return 0;
}
