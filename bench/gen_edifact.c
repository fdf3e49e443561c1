/*
 * gen_edifact.c - generate a UN/EDIFACT D.96A DESADV interchange for the
 * EDIFACT benchmark.
 *
 *   gen_edifact MIB [SEED]      (writes to standard output)
 *
 * One interchange (UNA, UNOC syntax 3, CONTRL requested) holding as many
 * DESADV messages as fit in MIB MiB, each a despatch of 5 to 40 pallets
 * (CPS, PAC, PCI+33E, GIN+BJ SSCC) of 1 to 6 lines (LIN, PIA, IMD, QTY),
 * in the EANCOM layout retailers use.  Names and free texts carry release
 * escapes (`?'`, `?+`, `?:`, `??`) as real data does, so a reader cannot
 * take the fast path everywhere.  One segment a line (LF after each
 * terminator).  Counts (UNT, UNZ) are right, so the file must validate
 * clean: the benchmark refuses to time a file with errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static unsigned
next(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const names[] = {
	"O?'BRIEN ?+ SONS LOGISTICS", "SMITH?:JONES FOODS", "A ?? B DISTRIBUTION",
	"NORTH WAREHOUSE 7", "CAFE DU MONDE S.A.", "HALLE ?+ PARTNER GMBH",
};
static const char *const items[] = {
	"TOMATO SOUP 400G", "COFFEE ?'GOLD?' 250G", "RICE 1KG ?+ 10% FREE",
	"DETERGENT 2L", "PASTA FUSILLI 500G", "TEA 80 BAGS ?: GREEN",
};

int
main(int argc, char **argv)
{
	unsigned long long want, written = 0;
	unsigned msgs = 0, segs, p, l, npal, nlin, lin;
	char buf[512];
	int n;

	if (argc < 2 || argc > 3 || !(want = strtoull(argv[1], NULL, 10))) {
		fputs("usage: gen_edifact MIB [SEED]\n", stderr);
		return 2;
	}
	want <<= 20;
	rng = argc == 3 ? strtoull(argv[2], NULL, 10) : 1;
	if (rng == 0)
		rng = 1;
	written += (unsigned long long)printf(
	    "UNA:+.? '\nUNB+UNOC:3+5412345000013:14+8712345000016:14+"
	    "260105:0930+BENCH0001++++1'\n");
	while (written < want) {
		msgs++;
		segs = 0;
#define SEG(...)                                                             \
	do {                                                                 \
		n = snprintf(buf, sizeof(buf), __VA_ARGS__);                 \
		fputs(buf, stdout);                                          \
		written += (unsigned long long)n;                            \
		segs++;                                                      \
	} while (0)
		SEG("UNH+M%u+DESADV:D:96A:UN:EAN005'\n", msgs);
		SEG("BGM+351+DN%08u+9'\n", msgs);
		SEG("DTM+137:20260105:102'\n");
		SEG("DTM+11:202601%02u:102'\n", 1 + next(28));
		SEG("RFF+ON:PO%07u'\n", next(9999999));
		SEG("NAD+BY+5412345000013::9++%s'\n", names[next(6)]);
		SEG("NAD+SU+8712345000016::9++%s'\n", names[next(6)]);
		SEG("NAD+DP+5412345000020::9'\n");
		SEG("CPS+1'\n");
		npal = 5 + next(36);
		lin = 0;
		for (p = 0; p < npal; p++) {
			SEG("CPS+%u+1'\n", p + 2);
			SEG("PAC+1++201'\n");
			SEG("PCI+33E'\n");
			SEG("GIN+BJ+3541234500%08u'\n", next(99999999));
			nlin = 1 + next(6);
			for (l = 0; l < nlin; l++) {
				SEG("LIN+%u++54123450%05u:EN'\n", ++lin,
				    next(99999));
				SEG("PIA+1+ART%05u:SA'\n", next(99999));
				SEG("IMD+F++:::%s'\n", items[next(6)]);
				SEG("QTY+12:%u'\n", 1 + next(480));
			}
		}
		SEG("CNT+2:%u'\n", lin);
		SEG("UNT+%u+M%u'\n", segs + 1, msgs);
	}
	printf("UNZ+%u+BENCH0001'\n", msgs);
	return ferror(stdout) ? 1 : 0;
}
