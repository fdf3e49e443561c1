/*
 * gen_x12.c - deterministic generator of realistic X12 004010 bench data.
 *
 *   gen_x12 --set 856|940|945 --size BYTES [--seed N] [-o FILE]
 *           [--group-sets N] [--interchange-groups N] [--order-items N]
 *
 * Writes interchanges of 856 ship notices, 940 warehouse shipping orders or
 * 945 warehouse shipping advices until the output reaches about BYTES.
 * Memory is constant whatever the size: each transaction set is planned in
 * small fixed arrays and written through one fixed output buffer.
 *
 * What always holds in the output (bench/run.sh has edigate check it):
 *  - every ISA is 106 bytes fixed width ('*' elements, ISA11 U, ISA12 00401,
 *    ISA16 '>'), every segment ends with "~\n";
 *  - ISA13 = IEA02 (9 digits), GS06 = GE02, GE01 = sets in the group,
 *    IEA01 = groups in the interchange, GS01 matches ST01 (SH/OW/SW);
 *  - ST02 = SE02, unique within the group; SE01 counts ST to SE inclusive;
 *  - 856: HL01 sequential from 1, HL02 names the parent, HL03 is S/O/P/I,
 *    CTT01 is the HL count; SSCC-18, UPC-A and BOL numbers carry valid
 *    GS1 mod-10 check digits; dates are real calendar dates.
 * The same options give the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

#define OUT_CAP (256 * 1024)
#define ISA_BODY 105 /* ISA length without its terminator */
#define DAY_2024_01_01 19723 /* days from 1970-01-01 */

/* Defaults: a new group every 1,000 sets, a new interchange every 10. */
#define DEF_GROUP_SETS 1000
#define DEF_ISA_GROUPS 10

/* 856 shape: shipment -> orders -> packs -> items. */
#define MAX_ORDERS 3
#define MAX_PACKS 4
#define MAX_ITEMS 3
/* 940/945 line items per order. */
#define MAX_LINES 12

/* GS1 company prefix used in SSCCs and bills of lading; UPC prefix. */
#define GS1_PREFIX "0614141"
#define UPC_PREFIX "084512"

/* ---- output: one fixed buffer, counted segments ---------------------- */

struct out {
	int fd;
	int failed; /* a write failed; errno kept in err */
	int err;
	char *buf;
	size_t len;
	uint64_t total; /* bytes handed to write(2) or buffered */
	uint32_t segs;  /* segments since the last ST */
};

static void
out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->failed) {
		ssize_t n = write(o->fd, o->buf + off, o->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->failed = 1;
			o->err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

/*
 * Append one segment: the formatted text, then "~\n".  Returns the length
 * of the text (terminator excluded), or -1 after a failure.
 */
static int PRINTF_LIKE(2, 3)
seg(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return -1;
	for (;;) {
		size_t room = OUT_CAP - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf + o->len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = 1;
			o->err = EINVAL;
			return -1;
		}
		/* Room for the text, "~\n" and vsnprintf's NUL. */
		if ((size_t)n + 3 <= room)
			break;
		if (o->len == 0) {
			o->failed = 1;
			o->err = EOVERFLOW;
			return -1;
		}
		out_flush(o);
		if (o->failed)
			return -1;
	}
	o->len += (size_t)n;
	o->buf[o->len++] = '~';
	o->buf[o->len++] = '\n';
	o->total += (uint64_t)n + 2;
	o->segs++;
	if (o->len > OUT_CAP / 2)
		out_flush(o);
	return n;
}

/* ---- deterministic randomness (splitmix64) ------------------------------ */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint32_t
rnd_in(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rnd(s) % ((uint64_t)hi - lo + 1));
}

/* ---- dates --------------------------------------------------------------- */

struct date {
	int y, m, d;
};

/* Civil date of a day count from 1970-01-01 (H. Hinnant's algorithm). */
static struct date
date_of(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	struct date dt;

	dt.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	dt.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	dt.y = (int)(yoe + era * 400 + (dt.m <= 2));
	return dt;
}

/* Write v as exactly n decimal digits (the low ones) at b. */
static void
put_digits(char *b, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		b[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* CCYYMMDD into b (cap >= 9). */
static void
fmt_date8(char *b, size_t cap, int64_t days)
{
	struct date dt = date_of(days);

	if (cap < 9)
		return;
	put_digits(b, (unsigned)dt.y, 4);
	put_digits(b + 4, (unsigned)dt.m, 2);
	put_digits(b + 6, (unsigned)dt.d, 2);
	b[8] = '\0';
}

/* YYMMDD into b (cap >= 7). */
static void
fmt_date6(char *b, size_t cap, int64_t days)
{
	struct date dt = date_of(days);

	if (cap < 7)
		return;
	put_digits(b, (unsigned)dt.y, 2);
	put_digits(b + 2, (unsigned)dt.m, 2);
	put_digits(b + 4, (unsigned)dt.d, 2);
	b[6] = '\0';
}

/* HHMM of a minute of the day into b (cap >= 5). */
static void
fmt_time(char *b, size_t cap, uint32_t minute)
{
	if (cap < 5)
		return;
	minute %= 24 * 60;
	put_digits(b, minute / 60, 2);
	put_digits(b + 2, minute % 60, 2);
	b[4] = '\0';
}

/* ---- GS1 numbers ----------------------------------------------------------- */

/*
 * GS1 mod-10 check digit of a digit string: weights 3, 1, 3, ... from the
 * rightmost digit.  Serves SSCC-18, UPC-A (GTIN-12) and VICS BOL numbers.
 */
static char
gs1_check(const char *digits)
{
	size_t n = strlen(digits);
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(digits[n - 1 - i] - '0');

		sum += (i % 2 == 0) ? 3 * d : d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* Append the check digit in place; b holds the data digits. */
static void
add_check(char *b, size_t cap)
{
	size_t n = strlen(b);

	if (n + 1 < cap) {
		b[n] = gs1_check(b);
		b[n + 1] = '\0';
	}
}

/* SSCC-18: extension digit, company prefix, 9-digit serial, check. */
static void
fmt_sscc(char *b, size_t cap, uint64_t serial)
{
	snprintf(b, cap, "0" GS1_PREFIX "%09llu",
		 (unsigned long long)(serial % 1000000000ULL));
	add_check(b, cap);
}

/* VICS bill of lading: company prefix, 9-digit serial, check (17). */
static void
fmt_bol(char *b, size_t cap, uint64_t serial)
{
	snprintf(b, cap, GS1_PREFIX "%09llu",
		 (unsigned long long)(serial % 1000000000ULL));
	add_check(b, cap);
}

/* ---- reference data ---------------------------------------------------- */

struct place {
	const char *city, *state, *zip;
};

static const struct place places[] = {
	{"COLUMBUS", "OH", "43215"},     {"MEMPHIS", "TN", "38118"},
	{"ONTARIO", "CA", "91761"},      {"JOLIET", "IL", "60436"},
	{"ALLENTOWN", "PA", "18106"},    {"DALLAS", "TX", "75241"},
	{"SAVANNAH", "GA", "31408"},     {"RENO", "NV", "89502"},
	{"KENT", "WA", "98032"},         {"INDIANAPOLIS", "IN", "46241"},
	{"LAKELAND", "FL", "33811"},     {"DENVER", "CO", "80239"},
	{"EDISON", "NJ", "08817"},       {"CHARLOTTE", "NC", "28214"},
	{"KANSAS CITY", "MO", "64161"},  {"SALT LAKE CITY", "UT", "84104"},
};
#define NPLACES (sizeof(places) / sizeof(places[0]))

static const char *const streets[] = {
	"COMMERCE DR", "INDUSTRIAL PKWY", "DISTRIBUTION WAY", "LOGISTICS BLVD",
	"MAIN ST", "OAK AVE", "RIVERSIDE RD", "AIRPORT RD",
};
#define NSTREETS (sizeof(streets) / sizeof(streets[0]))

struct carrier {
	const char *scac, *name;
	const char *mode; /* TD504/W6602/W2701: U parcel, M motor */
};

static const struct carrier carriers[] = {
	{"UPSN", "UPS GROUND", "U"},     {"FDEG", "FEDEX GROUND", "U"},
	{"ODFL", "OLD DOMINION", "M"},   {"SAIA", "SAIA MOTOR FREIGHT", "M"},
	{"ABFS", "ABF FREIGHT", "M"},    {"EXLA", "ESTES EXPRESS", "M"},
	{"RDWY", "YRC FREIGHT", "M"},    {"RLCA", "R+L CARRIERS", "M"},
};
#define NCARRIERS (sizeof(carriers) / sizeof(carriers[0]))

struct style {
	const char *name;
	uint32_t tenths_lb; /* weight of one unit, 0.1 lb */
};

static const struct style styles[] = {
	{"MENS CREW TEE", 4},        {"WOMENS V-NECK TEE", 3},
	{"KIDS PULLOVER HOODIE", 7}, {"MENS CHINO PANT", 9},
	{"WOMENS LEGGING", 4},       {"UNISEX BASEBALL CAP", 2},
	{"ATHLETIC SOCK 6PK", 5},    {"WOMENS DENIM JACKET", 14},
};
#define NSTYLES (sizeof(styles) / sizeof(styles[0]))

static const char *const colors[] = {
	"BLACK", "WHITE", "NAVY", "HEATHER GREY",
	"RED", "OLIVE", "KHAKI", "ROYAL BLUE",
};
#define NCOLORS (sizeof(colors) / sizeof(colors[0]))

static const char *const sizes[] = {"XS", "S", "M", "L", "XL", "XXL"};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

#define NITEMS (NSTYLES * NCOLORS * NSIZES)

/* One catalogue item: UPC-A, vendor SKU, description and unit weight. */
struct item {
	char upc[13];
	char sku[20];
	const struct style *style;
	const char *color, *size;
};

static void
item_get(struct item *it, uint32_t k)
{
	uint32_t s = (k / (NCOLORS * NSIZES)) % NSTYLES;
	uint32_t c = (k / NSIZES) % NCOLORS;
	uint32_t z = k % NSIZES;

	snprintf(it->upc, sizeof(it->upc), UPC_PREFIX "%05u", 10000 + k);
	add_check(it->upc, sizeof(it->upc));
	snprintf(it->sku, sizeof(it->sku), "AC%04u-%02u-%s", 1000 + 10 * s,
		 c + 1, sizes[z]);
	it->style = &styles[s];
	it->color = colors[c];
	it->size = sizes[z];
}

/* ---- generator state ------------------------------------------------------ */

struct gen;

/* One transaction set type: its ids, parties and body writer. */
struct set_kind {
	const char *st01;
	const char *gs01;
	const char *sender;   /* ISA06 / GS02 */
	const char *receiver; /* ISA08 / GS03 */
	/* Writes the segments between ST and SE. */
	void (*body)(struct gen *g);
};

struct gen {
	struct out *o;
	const struct set_kind *kind;
	uint64_t rng;
	uint64_t seed;
	int64_t day0;     /* first business day of the data */
	uint64_t txn;     /* transaction sets written, file-wide */
	uint64_t serial;  /* SSCC serials used */
	uint32_t isa13;   /* last interchange control number used */
	uint32_t gs06;    /* last group control number used */
	uint32_t order_items; /* 856: one order of this many items, no packs */
	uint32_t order_lines; /* 940: one order of this many lines */
};

/* Business day and minute of the current transaction set. */
static int64_t
txn_day(const struct gen *g)
{
	return g->day0 + (int64_t)((g->txn / 700) % 240);
}

static uint32_t
txn_minute(const struct gen *g)
{
	return 6 * 60 + (uint32_t)((g->txn * 7) % (14 * 60));
}

/* Order, PO and shipment numbers: unique per set, same across set types
 * for one seed, so a 945 answers the 940 of the same seed. */
static uint64_t
order_no(const struct gen *g)
{
	return 700000 + (g->seed % 1000) * 1000000 + g->txn;
}

static uint64_t
po_no(const struct gen *g, uint32_t k)
{
	return 4500000000ULL + (g->seed % 1000) * 1000000 + g->txn * 3 + k;
}

/* Ship-to party: a store or DC of the retailer, with its address. */
static void
ship_to(struct gen *g, const char *what)
{
	uint32_t p = rnd_in(&g->rng, 0, NPLACES - 1);
	uint32_t loc = 100 + p * 37 + rnd_in(&g->rng, 0, 30);

	seg(g->o, "N1*ST*BIG RETAIL %s %04u*92*%04u", what, loc, loc);
	seg(g->o, "N3*%u %s", rnd_in(&g->rng, 100, 9899),
	    streets[rnd_in(&g->rng, 0, NSTREETS - 1)]);
	seg(g->o, "N4*%s*%s*%s*US", places[p].city, places[p].state,
	    places[p].zip);
}

/* ---- 856 ship notice: S -> O -> P -> I ------------------------------------ */

struct line856 {
	uint32_t item, inner, size; /* quantity = inner * size */
};

struct pack856 {
	uint32_t nitems;
	struct line856 line[MAX_ITEMS];
};

struct order856 {
	uint32_t npacks;
	struct pack856 pack[MAX_PACKS];
};

struct ship856 {
	uint32_t norders, packs, hls;
	uint64_t units, tenths_lb;
	struct order856 order[MAX_ORDERS];
};

static void
plan_856(struct gen *g, struct ship856 *s)
{
	static const uint32_t packsz[] = {1, 2, 3, 6, 12};

	memset(s, 0, sizeof(*s));
	s->norders = rnd_in(&g->rng, 1, MAX_ORDERS);
	s->hls = 1;
	for (uint32_t o = 0; o < s->norders; o++) {
		struct order856 *od = &s->order[o];

		od->npacks = rnd_in(&g->rng, 1, MAX_PACKS);
		s->hls++;
		for (uint32_t p = 0; p < od->npacks; p++) {
			struct pack856 *pk = &od->pack[p];

			pk->nitems = rnd_in(&g->rng, 1, MAX_ITEMS);
			s->packs++;
			s->hls += 1 + pk->nitems;
			s->tenths_lb += 8; /* the carton */
			for (uint32_t i = 0; i < pk->nitems; i++) {
				struct line856 *ln = &pk->line[i];
				struct item it;

				ln->item = rnd_in(&g->rng, 0, NITEMS - 1);
				ln->size = packsz[rnd_in(&g->rng, 0, 4)];
				ln->inner = rnd_in(&g->rng, 1, 8);
				item_get(&it, ln->item);
				s->units += (uint64_t)ln->inner * ln->size;
				s->tenths_lb += (uint64_t)ln->inner * ln->size *
						it.style->tenths_lb;
			}
		}
	}
}

/* One shipment, one order, n items straight under it (HL*n*2*I): the
 * shape that made mapping quadratic (many HLs under one parent). */
static void
body_856_flat(struct gen *g, uint32_t n)
{
	char d8[9], hm[5];
	uint64_t units = 0;

	fmt_date8(d8, sizeof(d8), txn_day(g));
	fmt_time(hm, sizeof(hm), txn_minute(g));
	seg(g->o, "BSN*00*SH%010llu*%s*%s*0001",
	    (unsigned long long)order_no(g), d8, hm);
	seg(g->o, "DTM*011*%s*%s", d8, hm);
	seg(g->o, "HL*1**S");
	seg(g->o, "TD1*CTN25*%u****G*%u*LB", n, n);
	seg(g->o, "TD5*B*2*%s*%s*%s", carriers[0].scac, carriers[0].mode,
	    carriers[0].name);
	seg(g->o, "N1*SF*ACME APPAREL INC*1*078123456");
	ship_to(g, "DC");
	seg(g->o, "HL*2*1*O");
	seg(g->o, "PRF*%llu", (unsigned long long)po_no(g, 0));
	for (uint32_t i = 0; i < n; i++) {
		struct item it;
		uint32_t q = 1 + i % 12;

		item_get(&it, i % NITEMS);
		seg(g->o, "HL*%u*2*I", i + 3);
		seg(g->o, "LIN*%u*UP*%s*VN*%s", i + 1, it.upc, it.sku);
		seg(g->o, "SN1**%u*EA", q);
		units += q;
	}
	seg(g->o, "CTT*%u*%llu", n + 2, (unsigned long long)units);
}

static void
body_856(struct gen *g)
{
	struct ship856 s;
	const struct carrier *cr;
	char d8[9], dd8[9], po8[9], hm[5], code[24];
	uint32_t hl = 1;

	if (g->order_items) {
		body_856_flat(g, g->order_items);
		return;
	}
	plan_856(g, &s);
	cr = &carriers[rnd_in(&g->rng, 0, NCARRIERS - 1)];
	fmt_date8(d8, sizeof(d8), txn_day(g));
	fmt_date8(dd8, sizeof(dd8), txn_day(g) + rnd_in(&g->rng, 2, 6));
	fmt_date8(po8, sizeof(po8), txn_day(g) - rnd_in(&g->rng, 5, 20));
	fmt_time(hm, sizeof(hm), txn_minute(g));

	seg(g->o, "BSN*00*SH%010llu*%s*%s*0001",
	    (unsigned long long)order_no(g), d8, hm);
	seg(g->o, "DTM*011*%s*%s", d8, hm);
	seg(g->o, "DTM*017*%s", dd8);
	seg(g->o, "HL*1**S");
	seg(g->o, "TD1*CTN25*%u****G*%llu.%llu*LB", s.packs,
	    (unsigned long long)(s.tenths_lb / 10),
	    (unsigned long long)(s.tenths_lb % 10));
	seg(g->o, "TD5*B*2*%s*%s*%s", cr->scac, cr->mode, cr->name);
	fmt_bol(code, sizeof(code), g->seed * 7919 + g->txn);
	seg(g->o, "REF*BM*%s", code);
	if (cr->mode[0] == 'M')
		seg(g->o, "REF*CN*%u%06llu", rnd_in(&g->rng, 1, 9),
		    (unsigned long long)(g->txn % 1000000));
	seg(g->o, "N1*SF*ACME APPAREL INC*1*078123456");
	seg(g->o, "N3*2200 COMMERCE DR");
	seg(g->o, "N4*COLUMBUS*OH*43228*US");
	ship_to(g, "DC");

	for (uint32_t o = 0; o < s.norders; o++) {
		const struct order856 *od = &s.order[o];
		uint32_t ohl = ++hl;

		seg(g->o, "HL*%u*1*O", ohl);
		seg(g->o, "PRF*%llu***%s", (unsigned long long)po_no(g, o),
		    po8);
		for (uint32_t p = 0; p < od->npacks; p++) {
			const struct pack856 *pk = &od->pack[p];
			uint32_t phl = ++hl;

			seg(g->o, "HL*%u*%u*P", phl, ohl);
			fmt_sscc(code, sizeof(code), g->serial++);
			seg(g->o, "MAN*GM*%s", code);
			for (uint32_t i = 0; i < pk->nitems; i++) {
				const struct line856 *ln = &pk->line[i];
				struct item it;

				item_get(&it, ln->item);
				seg(g->o, "HL*%u*%u*I", ++hl, phl);
				seg(g->o, "LIN*%u*UP*%s*VN*%s", i + 1, it.upc,
				    it.sku);
				seg(g->o, "SN1**%u*EA", ln->inner * ln->size);
				seg(g->o, "PO4*%u*%u*EA", ln->inner, ln->size);
			}
		}
	}
	seg(g->o, "CTT*%u*%llu", s.hls, (unsigned long long)s.units);
}

/* ---- 940 warehouse shipping order and 945 shipping advice ---------------- */

struct wline {
	uint32_t item, ordered, shipped;
};

struct worder {
	uint32_t nlines;
	uint64_t ordered, shipped, tenths_lb;
	struct wline line[MAX_LINES];
};

/*
 * Plan the order lines.  The 945 ships what the 940 ordered, short on
 * about one line in ten.
 */
static void
plan_worder(struct gen *g, struct worder *w)
{
	static const uint32_t qty[] = {1, 2, 3, 4, 6, 12, 24, 36, 48, 144};

	memset(w, 0, sizeof(*w));
	w->nlines = rnd_in(&g->rng, 1, MAX_LINES);
	for (uint32_t i = 0; i < w->nlines; i++) {
		struct wline *ln = &w->line[i];
		struct item it;

		ln->item = rnd_in(&g->rng, 0, NITEMS - 1);
		ln->ordered = qty[rnd_in(&g->rng, 0, 9)];
		ln->shipped = ln->ordered;
		if (rnd_in(&g->rng, 0, 9) == 0)
			ln->shipped -= rnd_in(&g->rng, 1, ln->ordered);
		item_get(&it, ln->item);
		w->ordered += ln->ordered;
		w->shipped += ln->shipped;
		w->tenths_lb += (uint64_t)ln->shipped * it.style->tenths_lb;
	}
}

/* One 940 of n lines (LX, W01, G69 each): the largest order a set may
 * hold, for the memory bench. */
static void
body_940_long(struct gen *g, uint32_t n)
{
	char d8[9];
	uint64_t units = 0;

	fmt_date8(d8, sizeof(d8), txn_day(g));
	seg(g->o, "W05*N*ORD%08llu*%llu", (unsigned long long)order_no(g),
	    (unsigned long long)po_no(g, 0));
	ship_to(g, "STORE");
	seg(g->o, "N1*SF*NORTH LOGISTICS WHSE 3*ZZ*NLW03");
	seg(g->o, "G62*10*%s", d8);
	seg(g->o, "W66*PP*%s***%s*****%s", carriers[0].mode, carriers[0].name,
	    carriers[0].scac);
	for (uint32_t i = 0; i < n; i++) {
		struct item it;
		uint32_t q = 1 + i % 12;

		item_get(&it, i % NITEMS);
		seg(g->o, "LX*%u", i + 1);
		seg(g->o, "W01*%u*EA*%s*VN*%s", q, it.upc, it.sku);
		seg(g->o, "G69*%s %s %s", it.style->name, it.color, it.size);
		units += q;
	}
	seg(g->o, "W76*%llu*%llu*LB", (unsigned long long)units,
	    (unsigned long long)units);
}

static void
body_940(struct gen *g)
{
	struct worder w;
	const struct carrier *cr;
	char d8[9], dd8[9];

	if (g->order_lines) {
		body_940_long(g, g->order_lines);
		return;
	}
	plan_worder(g, &w);
	cr = &carriers[rnd_in(&g->rng, 0, NCARRIERS - 1)];
	fmt_date8(d8, sizeof(d8), txn_day(g));
	fmt_date8(dd8, sizeof(dd8), txn_day(g) + rnd_in(&g->rng, 2, 7));

	seg(g->o, "W05*N*ORD%08llu*%llu", (unsigned long long)order_no(g),
	    (unsigned long long)po_no(g, 0));
	ship_to(g, "STORE");
	seg(g->o, "N1*SF*NORTH LOGISTICS WHSE 3*ZZ*NLW03");
	seg(g->o, "G62*10*%s", d8);
	seg(g->o, "G62*02*%s", dd8);
	if (rnd_in(&g->rng, 0, 3) == 0)
		seg(g->o, "NTE*WHI*DELIVER TO RECEIVING DOCK %u",
		    rnd_in(&g->rng, 1, 12));
	seg(g->o, "W66*PP*%s***%s*****%s", cr->mode, cr->name, cr->scac);
	for (uint32_t i = 0; i < w.nlines; i++) {
		struct item it;

		item_get(&it, w.line[i].item);
		seg(g->o, "LX*%u", i + 1);
		seg(g->o, "W01*%u*EA*%s*VN*%s", w.line[i].ordered, it.upc,
		    it.sku);
		seg(g->o, "G69*%s %s %s", it.style->name, it.color, it.size);
	}
	seg(g->o, "W76*%llu*%llu.%llu*LB", (unsigned long long)w.ordered,
	    (unsigned long long)(w.tenths_lb / 10),
	    (unsigned long long)(w.tenths_lb % 10));
}

static void
body_945(struct gen *g)
{
	struct worder w;
	const struct carrier *cr;
	char d8[9], hm[5], bol[24];

	plan_worder(g, &w);
	cr = &carriers[rnd_in(&g->rng, 0, NCARRIERS - 1)];
	fmt_date8(d8, sizeof(d8), txn_day(g) + 1);
	fmt_time(hm, sizeof(hm), txn_minute(g));
	fmt_bol(bol, sizeof(bol), g->seed * 7919 + g->txn);

	seg(g->o, "W06*F*ORD%08llu*%s*WS%09llu**%llu",
	    (unsigned long long)order_no(g), d8,
	    (unsigned long long)(order_no(g) + 300000000ULL),
	    (unsigned long long)po_no(g, 0));
	ship_to(g, "STORE");
	seg(g->o, "N1*SF*NORTH LOGISTICS WHSE 3*ZZ*NLW03");
	seg(g->o, "N3*4100 DISTRIBUTION WAY");
	seg(g->o, "N4*JOLIET*IL*60436*US");
	seg(g->o, "N9*BM*%s", bol);
	seg(g->o, "G62*11*%s*8*%s", d8, hm);
	seg(g->o, "W27*%s*%s*%s*PP", cr->mode, cr->scac, cr->name);
	for (uint32_t i = 0; i < w.nlines; i++) {
		const struct wline *ln = &w.line[i];
		struct item it;

		item_get(&it, ln->item);
		seg(g->o, "LX*%u", i + 1);
		if (ln->shipped == ln->ordered)
			seg(g->o, "W12*CC*%u*%u**EA*%s*VN*%s", ln->ordered,
			    ln->shipped, it.upc, it.sku);
		else
			seg(g->o, "W12*CP*%u*%u*%u*EA*%s*VN*%s", ln->ordered,
			    ln->shipped, ln->ordered - ln->shipped, it.upc,
			    it.sku);
	}
	seg(g->o, "W03*%llu*%llu.%llu*LB", (unsigned long long)w.shipped,
	    (unsigned long long)(w.tenths_lb / 10),
	    (unsigned long long)(w.tenths_lb % 10));
}

static const struct set_kind kinds[] = {
	{"856", "SH", "ACMEAPPAREL", "BIGRETAILCO", body_856},
	{"940", "OW", "ACMEAPPAREL", "NORTHLOGWHSE", body_940},
	{"945", "SW", "NORTHLOGWHSE", "ACMEAPPAREL", body_945},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* ---- envelopes -------------------------------------------------------------- */

static int
open_interchange(struct gen *g)
{
	char d6[7], hm[5];

	fmt_date6(d6, sizeof(d6), txn_day(g));
	fmt_time(hm, sizeof(hm), txn_minute(g));
	g->isa13++;
	if (seg(g->o,
		"ISA*00*%10s*00*%10s*ZZ*%-15s*ZZ*%-15s*%s*%s*U*00401*%09u*0*P*>",
		"", "", g->kind->sender, g->kind->receiver, d6, hm,
		g->isa13) != ISA_BODY) {
		if (!g->o->failed) {
			g->o->failed = 1;
			g->o->err = EINVAL;
		}
		return -1;
	}
	return 0;
}

static void
open_group(struct gen *g)
{
	char d8[9], hm[5];

	fmt_date8(d8, sizeof(d8), txn_day(g));
	fmt_time(hm, sizeof(hm), txn_minute(g));
	g->gs06++;
	seg(g->o, "GS*%s*%s*%s*%s*%s*%u*X*004010", g->kind->gs01,
	    g->kind->sender, g->kind->receiver, d8, hm, g->gs06);
}

static void
write_set(struct gen *g, uint32_t st02)
{
	g->o->segs = 0;
	seg(g->o, "ST*%s*%04u", g->kind->st01, st02);
	g->kind->body(g);
	/* SE counts itself. */
	seg(g->o, "SE*%u*%04u", g->o->segs + 1, st02);
	g->txn++;
}

struct shape {
	uint32_t group_sets; /* sets per group */
	uint32_t isa_groups; /* groups per interchange */
};

/* Write interchanges until about target bytes, at least one set. */
static int
generate(struct gen *g, uint64_t target, const struct shape *sh)
{
	uint32_t sets = 0, groups = 0;
	int in_isa = 0, in_gs = 0;

	do {
		if (!in_isa) {
			if (open_interchange(g) != 0)
				return -1;
			in_isa = 1;
			groups = 0;
		}
		if (!in_gs) {
			open_group(g);
			in_gs = 1;
			groups++;
			sets = 0;
		}
		write_set(g, ++sets);
		if (sets == sh->group_sets) {
			seg(g->o, "GE*%u*%u", sets, g->gs06);
			in_gs = 0;
			if (groups == sh->isa_groups) {
				seg(g->o, "IEA*%u*%09u", groups, g->isa13);
				in_isa = 0;
			}
		}
	} while (g->o->total < target && !g->o->failed);
	if (in_gs)
		seg(g->o, "GE*%u*%u", sets, g->gs06);
	if (in_isa)
		seg(g->o, "IEA*%u*%09u", groups, g->isa13);
	out_flush(g->o);
	return g->o->failed ? -1 : 0;
}

/* ---- command line ------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: gen_x12 --set 856|940|945 --size BYTES [--seed N] "
		"[-o FILE]\n"
		"               [--group-sets N] [--interchange-groups N]\n"
		"               [--order-items N] [--order-lines N]\n"
		"\n"
		"Write realistic X12 004010 interchanges of about BYTES bytes "
		"(suffix k, m, g\n"
		"for KiB, MiB, GiB) to FILE or standard output.  Same options, "
		"same bytes.\n"
		"  --set                 856 ship notice, 940 warehouse "
		"shipping order,\n"
		"                        945 warehouse shipping advice\n"
		"  --seed N              varies the data (default 1)\n"
		"  --group-sets N        transaction sets per group "
		"(default %d)\n"
		"  --interchange-groups N  groups per interchange "
		"(default %d)\n"
		"  --order-items N       856: each set is one order of N "
		"items, no packs\n"
		"  --order-lines N       940: each set is one order of N "
		"lines\n",
		DEF_GROUP_SETS, DEF_ISA_GROUPS);
}

/* Parse a decimal unsigned number with an optional k/m/g suffix. */
static int
parse_u64(const char *s, int suffixes, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;
	uint64_t mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (suffixes && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1ULL << 10; end++; break;
		case 'm': case 'M': mul = 1ULL << 20; end++; break;
		case 'g': case 'G': mul = 1ULL << 30; end++; break;
		default: break;
		}
	}
	if (*end != '\0' || v > UINT64_MAX / mul)
		return -1;
	*out = (uint64_t)v * mul;
	return 0;
}

static int
parse_count(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, 0, &v) != 0 || v == 0 || v > 9999999)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int
main(int argc, char **argv)
{
	struct out o = {.fd = STDOUT_FILENO};
	struct gen g;
	struct shape sh = {DEF_GROUP_SETS, DEF_ISA_GROUPS};
	const char *set = NULL, *path = NULL, *why = NULL;
	uint64_t size = 0, seed = 1;
	uint32_t order_items = 0, order_lines = 0;
	int have_size = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		why = a;
		if (v == NULL)
			goto bad;
		i++;
		if (strcmp(a, "--set") == 0)
			set = v;
		else if (strcmp(a, "--size") == 0) {
			if (parse_u64(v, 1, &size) != 0)
				goto bad;
			have_size = 1;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_u64(v, 0, &seed) != 0)
				goto bad;
		} else if (strcmp(a, "-o") == 0)
			path = v;
		else if (strcmp(a, "--group-sets") == 0) {
			if (parse_count(v, &sh.group_sets) != 0)
				goto bad;
		} else if (strcmp(a, "--interchange-groups") == 0) {
			if (parse_count(v, &sh.isa_groups) != 0)
				goto bad;
		} else if (strcmp(a, "--order-items") == 0) {
			if (parse_count(v, &order_items) != 0)
				goto bad;
		} else if (strcmp(a, "--order-lines") == 0) {
			if (parse_count(v, &order_lines) != 0)
				goto bad;
		} else
			goto bad;
	}
	why = set == NULL ? "missing --set" : "missing --size";
	if (set == NULL || !have_size)
		goto bad;

	memset(&g, 0, sizeof(g));
	for (size_t k = 0; k < NKINDS; k++)
		if (strcmp(set, kinds[k].st01) == 0)
			g.kind = &kinds[k];
	why = set;
	if (g.kind == NULL)
		goto bad;
	g.o = &o;
	g.order_items = order_items;
	g.order_lines = order_lines;
	g.seed = seed;
	g.rng = seed ^ 0x5eed0f0ed16a7e00ULL;
	g.day0 = DAY_2024_01_01 + (int64_t)(seed % 365);
	g.isa13 = (uint32_t)(seed % 1000) * 100000;
	g.gs06 = (uint32_t)(seed % 1000) * 10000;
	g.serial = (seed % 1000) * 1000000;

	o.buf = malloc(OUT_CAP);
	if (o.buf == NULL) {
		fprintf(stderr, "gen_x12: out of memory\n");
		return 1;
	}
	if (path != NULL && strcmp(path, "-") != 0) {
		o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0644);
		if (o.fd < 0) {
			fprintf(stderr, "gen_x12: %s: %s\n", path,
				strerror(errno));
			goto out;
		}
	}
	if (generate(&g, size, &sh) != 0) {
		fprintf(stderr, "gen_x12: %s: %s\n", path ? path : "stdout",
			strerror(o.err));
		goto out;
	}
	if (o.fd != STDOUT_FILENO && close(o.fd) != 0) {
		fprintf(stderr, "gen_x12: %s: %s\n", path, strerror(errno));
		o.fd = STDOUT_FILENO;
		goto out;
	}
	o.fd = STDOUT_FILENO;
	rc = 0;
out:
	if (o.fd != STDOUT_FILENO)
		close(o.fd);
	free(o.buf);
	return rc;
bad:
	fprintf(stderr, "gen_x12: bad argument: %s\n", why);
	usage(stderr);
	return 2;
}
