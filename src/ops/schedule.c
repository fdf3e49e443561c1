/*
 * schedule.c - intervals, cron expressions, time zones and active
 * windows: parsing and the next due time (see schedule.h).
 *
 * Wall-clock arithmetic is done on "wall seconds": a local date and
 * time counted as if it were UTC (days_from_civil), so that days and
 * minutes step without mktime.  A wall time becomes an instant through
 * the zone's UTC offsets around it (to_utc), which is where the
 * daylight-saving rules of schedule.h are decided: of two instants with
 * that wall time the first, and for a wall time in a gap the instant
 * the gap ends.  The only zone service used is localtime_r under TZ.
 *
 * Invariants: every search is bounded (nine years of days, a thousand
 * window hops); eg_schedule_next returns a time > after or -1.
 */
#include "edigate/schedule.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEARCH_DAYS (9 * 366 + 2)

/* --- civil calendar ------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned
weekday(long long days)
{
	long long w = (days + 4) % 7;

	return (unsigned)(w < 0 ? w + 7 : w);
}

/* --- the zone -------------------------------------------------------- */

typedef struct tzsave {
	int changed, had;
	char old[256];
} tzsave;

static void
tz_enter(const eg_schedule *s, tzsave *sv)
{
	const char *old = getenv("TZ");

	sv->changed = 0;
	if (!s->tz[0])
		return;
	sv->had = old != NULL;
	if (old && (size_t)snprintf(sv->old, sizeof(sv->old), "%s", old) >=
		       sizeof(sv->old))
		return; /* cannot restore it: stay in the process's zone */
	if (setenv("TZ", s->tz, 1) != 0)
		return;
	sv->changed = 1;
	tzset();
}

static void
tz_leave(tzsave *sv)
{
	if (!sv->changed)
		return;
	if (sv->had)
		(void)setenv("TZ", sv->old, 1);
	else
		(void)unsetenv("TZ");
	tzset();
}

/* Wall seconds of instant u in the current zone. */
static long long
wall_of(time_t u)
{
	struct tm tm;

	if (!localtime_r(&u, &tm))
		return (long long)u;
	return days_from_civil((long long)tm.tm_year + 1900,
			       (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
		   86400 +
	       tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

static long long
offset_at(long long u)
{
	return wall_of((time_t)u) - u;
}

/* The instant a wall time is due (see the file comment). */
static time_t
to_utc(long long wall)
{
	long long oa = offset_at(wall - 86400), ob = offset_at(wall + 86400);
	long long ua = wall - oa, ub = wall - ob, lo, hi;
	int va = offset_at(ua) == oa, vb = offset_at(ub) == ob;

	if (va && vb)
		return (time_t)(ua < ub ? ua : ub);
	if (va || vb)
		return (time_t)(va ? ua : ub);
	/* a gap: the first instant on the later offset */
	lo = ua < ub ? ua : ub;
	hi = ua < ub ? ub : ua;
	if (offset_at(hi) != ob || offset_at(lo) == ob)
		return (time_t)ua;
	while (hi - lo > 1) {
		long long mid = lo + (hi - lo) / 2;

		if (offset_at(mid) == ob)
			hi = mid;
		else
			lo = mid;
	}
	return (time_t)hi;
}

/* --- parsing ------------------------------------------------------- */

static const char *const month_names[] = {
    "", "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu",
					"fri", "sat", NULL};

typedef struct fieldspec {
	const char *what;
	int lo, hi;
	const char *const *names;
	int names_from; /* index of names[0] */
} fieldspec;

static const fieldspec cron_fields[5] = {
    {"minute", 0, 59, NULL, 0},
    {"hour", 0, 23, NULL, 0},
    {"day of month", 1, 31, NULL, 0},
    {"month", 1, 12, month_names, 0},
    {"day of week", 0, 7, day_names, 0},
};

/* One value of a field: a number or a three-letter name. */
static int
value(const fieldspec *f, const char **pp, const char *end, int *v)
{
	const char *p = *pp;
	size_t i;

	if (p < end && isdigit((unsigned char)*p)) {
		long n = 0;

		while (p < end && isdigit((unsigned char)*p) && n < 1000)
			n = n * 10 + (*p++ - '0');
		*v = (int)n;
		*pp = p;
		return n >= f->lo && n <= f->hi ? 0 : -1;
	}
	for (i = 0; f->names && f->names[i]; i++) {
		const char *nm = f->names[i];

		if (nm[0] && end - p >= 3 &&
		    tolower((unsigned char)p[0]) == nm[0] &&
		    tolower((unsigned char)p[1]) == nm[1] &&
		    tolower((unsigned char)p[2]) == nm[2] &&
		    (end - p == 3 || !isalpha((unsigned char)p[3]))) {
			*v = (int)i;
			*pp = p + 3;
			return 0;
		}
	}
	return -1;
}

/*
 * A field (lists of ranges with steps) into bits; *star when it begins
 * with '*'.  Returns 0, or -1 with the reason in why.
 */
static int
field(const fieldspec *f, const char *p, const char *end, uint64_t *bits,
      int *star, char *why, size_t cap)
{
	*bits = 0;
	*star = p < end && *p == '*';
	while (p < end) {
		const char *item = p, *comma = memchr(p, ',', (size_t)(end - p));
		const char *iend = comma ? comma : end;
		int a, b, step = 1, v;

		if (*p == '*') {
			a = f->lo;
			b = f->hi;
			p++;
		} else {
			if (value(f, &p, iend, &a))
				goto bad;
			b = a;
			if (p < iend && *p == '-') {
				p++;
				if (value(f, &p, iend, &b))
					goto bad;
				if (b < a) {
					snprintf(why, cap, "'%.*s' runs backwards",
						 (int)(iend - item), item);
					return -1;
				}
			}
		}
		if (p < iend && *p == '/') {
			long n = 0;

			p++;
			if (p == iend)
				goto bad;
			while (p < iend && isdigit((unsigned char)*p) && n < 1000)
				n = n * 10 + (*p++ - '0');
			if (n < 1 || n > f->hi)
				goto bad;
			step = (int)n;
			if (item[0] != '*' && b == a)
				b = f->hi; /* "5/15": from 5 to the end */
		}
		if (p != iend)
			goto bad;
		for (v = a; v <= b; v += step)
			*bits |= (uint64_t)1 << v;
		p = comma ? comma + 1 : end;
		if (comma && p == end)
			goto bad;
		continue;
bad:
		snprintf(why, cap, "'%.*s' is not a %s (%d-%d%s)",
			 (int)(iend - item), item, f->what, f->lo, f->hi,
			 f->names ? " or a name" : "");
		return -1;
	}
	if (!*bits) {
		snprintf(why, cap, "the %s field is empty", f->what);
		return -1;
	}
	return 0;
}

static const struct {
	const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static eg_err
parse_cron(eg_schedule *s, const char *text, eg_error *e)
{
	const char *p = text;
	char why[160];
	uint64_t bits[5];
	int star[5];
	size_t i;

	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++)
		if (!strcmp(text, macros[i].name))
			p = macros[i].expr;
	if (*p == '@')
		return eg_fail(e, EG_EINVAL,
			       "cron '%s': unknown shorthand (use @hourly, "
			       "@daily, @weekly, @monthly or @yearly)",
			       text);
	for (i = 0; i < 5; i++) {
		const char *b;

		while (*p == ' ' || *p == '\t')
			p++;
		b = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (b == p)
			return eg_fail(e, EG_EINVAL,
				       "cron '%s' has %zu field(s): it needs 5 "
				       "(minute hour day-of-month month "
				       "day-of-week)",
				       text, i);
		if (field(&cron_fields[i], b, p, &bits[i], &star[i], why,
			  sizeof(why)))
			return eg_fail(e, EG_EINVAL, "cron '%s', field %zu "
						     "(%s): %s",
				       text, i + 1, cron_fields[i].what, why);
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p)
		return eg_fail(e, EG_EINVAL,
			       "cron '%s' has more than 5 fields (minute hour "
			       "day-of-month month day-of-week)",
			       text);
	s->minutes = bits[0];
	s->hours = (uint32_t)bits[1];
	s->mdays = (uint32_t)bits[2];
	s->months = (uint16_t)bits[3];
	s->wdays = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f); /* 7 = 0 */
	s->mday_star = (uint8_t)star[2];
	s->wday_star = (uint8_t)star[4];
	if ((size_t)snprintf(s->text, sizeof(s->text), "%s", text) >=
	    sizeof(s->text))
		return eg_fail(e, EG_EINVAL, "cron '%.40s...' is too long",
			       text);
	return EG_OK;
}

static int
zone_ok(const char *tz, char *why, size_t cap)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	struct stat st;
	FILE *f;
	char magic[4];
	size_t i, n = strlen(tz);

	if (!strcmp(tz, "UTC"))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)tz[i]) && !strchr("_+-/", tz[i]))
			break;
	if (n == 0 || n >= 64 || i < n || tz[0] == '/' || strstr(tz, "..")) {
		snprintf(why, cap, "is not a time zone name (such as "
				   "Europe/Paris or America/Chicago)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s",
		 dir && dir[0] ? dir : "/usr/share/zoneinfo", tz);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    !(f = fopen(path, "rb"))) {
		snprintf(why, cap, "is not a time zone this machine knows (no "
				   "%.200s; the tzdata package provides them)",
			 path);
		return -1;
	}
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n != 4 || memcmp(magic, "TZif", 4)) {
		snprintf(why, cap, "%.200s is not a time zone file", path);
		return -1;
	}
	return 0;
}

/* "HH:MM" into minutes of the day; 24:00 only when end. */
static int
hhmm(const char *t, int end)
{
	int h, m;

	if (!t || strlen(t) != 5 || !isdigit((unsigned char)t[0]) ||
	    !isdigit((unsigned char)t[1]) || t[2] != ':' ||
	    !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]))
		return -1;
	h = (t[0] - '0') * 10 + (t[1] - '0');
	m = (t[3] - '0') * 10 + (t[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m || !end)))
		return -1;
	return h * 60 + m;
}

static eg_err
parse_windows(eg_schedule *s, const eg_schedule_spec *spec, eg_error *e)
{
	static const fieldspec days = {"day", 0, 7, day_names, 0};
	unsigned i;

	if (spec->nwin > EG_SCHEDULE_MAX_WINDOWS)
		return eg_fail(e, EG_EINVAL, "a schedule has at most %d windows",
			       EG_SCHEDULE_MAX_WINDOWS);
	for (i = 0; i < spec->nwin; i++) {
		const char *d = spec->win[i].days;
		int from = hhmm(spec->win[i].from, 0);
		int to = hhmm(spec->win[i].to, 1);
		uint64_t bits = 0x7f;
		int star;
		char why[160];

		if (from < 0 || to < 0 || from == to)
			return eg_fail(e, EG_EINVAL,
				       "window %u: from='%s' to='%s' must be "
				       "two different times HH:MM (to may be "
				       "24:00; a window that ends before it "
				       "starts runs overnight)",
				       i + 1,
				       spec->win[i].from ? spec->win[i].from : "",
				       spec->win[i].to ? spec->win[i].to : "");
		if (d && d[0] &&
		    field(&days, d, d + strlen(d), &bits, &star, why,
			  sizeof(why)))
			return eg_fail(e, EG_EINVAL, "window %u: days='%s': %s",
				       i + 1, d, why);
		s->win[i].days = (uint8_t)((bits | bits >> 7) & 0x7f);
		s->win[i].from = (uint16_t)from;
		s->win[i].to = (uint16_t)to;
	}
	s->nwin = spec->nwin;
	return EG_OK;
}

eg_err
eg_schedule_parse(eg_schedule *s, const eg_schedule_spec *spec, eg_error *e)
{
	const char *tz = spec->tz ? spec->tz : "";
	char why[300];
	eg_err rc;

	memset(s, 0, sizeof(*s));
	if ((spec->every > 0) == (spec->cron && spec->cron[0]))
		return eg_fail(e, EG_EINVAL,
			       "a schedule needs either every= (an interval "
			       "such as 5m) or cron= (such as '*/15 6-20 * * "
			       "1-5'), not %s",
			       spec->every > 0 ? "both" : "neither");
	if (spec->every > 0 && spec->every < EG_SCHEDULE_MIN_EVERY)
		return eg_fail(e, EG_EINVAL,
			       "every=%llds is too short: at least %d seconds",
			       spec->every, EG_SCHEDULE_MIN_EVERY);
	if (tz[0] && zone_ok(tz, why, sizeof(why)))
		return eg_fail(e, EG_EINVAL, "tz='%s' %s", tz, why);
	snprintf(s->tz, sizeof(s->tz), "%s", tz);
	s->every = spec->every;
	if (!s->every && (rc = parse_cron(s, spec->cron, e)))
		return rc;
	return parse_windows(s, spec, e);
}

/* --- due times ----------------------------------------------------- */

static int
active_in(const eg_schedule *s, time_t t)
{
	long long w = wall_of(t), days;
	unsigned wd, mod, i;

	if (!s->nwin)
		return 1;
	days = (w >= 0 ? w : w - 86399) / 86400;
	mod = (unsigned)((w - days * 86400) / 60);
	wd = weekday(days);
	for (i = 0; i < s->nwin; i++) {
		unsigned b = 1u << wd, prev = 1u << ((wd + 6) % 7);

		if (s->win[i].from < s->win[i].to) {
			if ((s->win[i].days & b) && mod >= s->win[i].from &&
			    mod < s->win[i].to)
				return 1;
		} else if (((s->win[i].days & b) && mod >= s->win[i].from) ||
			   ((s->win[i].days & prev) && mod < s->win[i].to)) {
			return 1;
		}
	}
	return 0;
}

/* The first window opening at or after t; -1 when none within 9 days. */
static time_t
window_open(const eg_schedule *s, time_t t)
{
	long long w = wall_of(t), d0 = (w >= 0 ? w : w - 86399) / 86400, d;
	time_t best = (time_t)-1;
	unsigned i;

	for (d = d0 - 1; d <= d0 + 9; d++) {
		for (i = 0; i < s->nwin; i++) {
			time_t u;

			if (!(s->win[i].days & (1u << weekday(d))))
				continue;
			u = to_utc(d * 86400 + (long long)s->win[i].from * 60);
			if (u >= t && (best == (time_t)-1 || u < best) &&
			    active_in(s, u))
				best = u;
		}
		if (best != (time_t)-1)
			break;
	}
	return best;
}

static int
day_ok(const eg_schedule *s, long long days)
{
	long long y;
	unsigned m, d;
	int dm, dw;

	civil_from_days(days, &y, &m, &d);
	if (!(s->months & (1u << m)))
		return 0;
	dm = (s->mdays >> d) & 1;
	dw = (s->wdays >> weekday(days)) & 1;
	if (s->mday_star || s->wday_star)
		return (s->mday_star || dm) && (s->wday_star || dw);
	return dm || dw;
}

/* The first cron time strictly after `after` (windows not looked at). */
static time_t
cron_next(const eg_schedule *s, time_t after)
{
	long long w = wall_of(after), start, days, k;
	unsigned h, mi;

	start = (w >= 0 ? w / 60 : (w - 59) / 60) + 1; /* wall minutes */
	days = (start >= 0 ? start : start - 1439) / 1440;
	for (k = 0; k < SEARCH_DAYS; k++, days++) {
		if (!day_ok(s, days))
			continue;
		for (h = 0; h < 24; h++) {
			if (!(s->hours & (1u << h)) ||
			    days * 1440 + h * 60 + 59 < start)
				continue;
			for (mi = 0; mi < 60; mi++) {
				long long wm = days * 1440 + h * 60 + mi;
				time_t u;

				if (!(s->minutes & ((uint64_t)1 << mi)) ||
				    wm < start)
					continue;
				u = to_utc(wm * 60);
				if (u > after)
					return u;
			}
		}
	}
	return (time_t)-1;
}

static time_t
next_in(const eg_schedule *s, time_t after)
{
	time_t t;
	int hops;

	if (s->every) {
		t = after + (time_t)s->every;
		return active_in(s, t) ? t : window_open(s, t);
	}
	t = cron_next(s, after);
	for (hops = 0; hops < 1000 && t != (time_t)-1; hops++) {
		time_t w;

		if (active_in(s, t))
			return t;
		if ((w = window_open(s, t)) == (time_t)-1)
			return w;
		t = cron_next(s, w - 1);
	}
	return (time_t)-1;
}

/* The first due time >= t. */
static time_t
at_or_after(const eg_schedule *s, time_t t)
{
	if (s->every)
		return active_in(s, t) ? t : window_open(s, t);
	return next_in(s, t - 1);
}

time_t
eg_schedule_next(const eg_schedule *s, time_t after)
{
	tzsave sv;
	time_t t;

	tz_enter(s, &sv);
	t = next_in(s, after);
	tz_leave(&sv);
	return t;
}

time_t
eg_schedule_first(const eg_schedule *s, time_t now)
{
	tzsave sv;
	time_t t;

	tz_enter(s, &sv);
	t = at_or_after(s, now);
	tz_leave(&sv);
	return t;
}

time_t
eg_schedule_after_run(const eg_schedule *s, time_t started, time_t ended,
		      unsigned fails, long long max_backoff)
{
	tzsave sv;
	time_t t;

	tz_enter(s, &sv);
	t = next_in(s, started);
	if (t != (time_t)-1 && t <= ended)
		t = next_in(s, ended);
	if (fails && t != (time_t)-1) {
		long long wait = 60;
		unsigned i;

		for (i = 1; i < fails && wait < max_backoff; i++)
			wait *= 2;
		if (wait > max_backoff)
			wait = max_backoff;
		if (t < ended + (time_t)wait)
			t = at_or_after(s, ended + (time_t)wait);
	}
	tz_leave(&sv);
	return t;
}

int
eg_schedule_active(const eg_schedule *s, time_t t)
{
	tzsave sv;
	int a;

	tz_enter(s, &sv);
	a = active_in(s, t);
	tz_leave(&sv);
	return a;
}

void
eg_schedule_describe(const eg_schedule *s, char *dst, size_t cap)
{
	char win[48] = "";

	if (s->nwin)
		snprintf(win, sizeof(win), ", %u window(s)", s->nwin);
	if (s->every && s->every % 3600 == 0)
		snprintf(dst, cap, "every %lldh%s%s%s", s->every / 3600,
			 s->tz[0] ? " " : "", s->tz, win);
	else if (s->every && s->every % 60 == 0)
		snprintf(dst, cap, "every %lldm%s%s%s", s->every / 60,
			 s->tz[0] ? " " : "", s->tz, win);
	else if (s->every)
		snprintf(dst, cap, "every %llds%s%s%s", s->every,
			 s->tz[0] ? " " : "", s->tz, win);
	else
		snprintf(dst, cap, "cron '%s' %s%s", s->text,
			 s->tz[0] ? s->tz : "local time", win);
}

void
eg_schedule_local(const eg_schedule *s, time_t t, char *dst, size_t cap)
{
	tzsave sv;
	struct tm tm;

	tz_enter(s, &sv);
	if (!localtime_r(&t, &tm) ||
	    !strftime(dst, cap, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(dst, cap, "%lld", (long long)t);
	tz_leave(&sv);
}
