/*
 * spool_guard.h - what the spool's files say when the ledger cannot.
 *
 * The ledger is the spool's memory: file ids and acknowledgement control
 * numbers come from it.  A spool that holds archives, records or
 * acknowledgements but has lost its ledger (deleted, emptied, restored
 * from the wrong day) must not start numbering again from 1, or new
 * files would be published over earlier ones and partners would get
 * control numbers they already have.  These functions read the spool's
 * folders so `run` can refuse such a spool, and so a new ledger started
 * on purpose (`run --new-ledger`) continues after every number found.
 */
#ifndef EDIGATE_SPOOL_GUARD_H
#define EDIGATE_SPOOL_GUARD_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "edigate/err.h"
#include "edigate/ledger.h"

typedef struct eg_spool_info {
	int exists;             /* the spool directory is there */
	int ledger;             /* ledger.db is there and not 0 bytes */
	unsigned long on_disk;  /* archives, records, quarantined files and
				 * spool copies named by a file id */
	uint64_t max_file_seq;  /* largest NNNNNN of an id YYYYMMDD-NNNNNN */
	char example[256];      /* one of them, relative to the spool */
} eg_spool_info;

/* Look at the spool directory (nothing is created). */
eg_err eg_spool_inspect(const char *spool, eg_spool_info *out,
			eg_error *e) EG_MUST_USE;

/* The largest control number of an acknowledgement or a document we sent
 * the partner (spool/out/PARTNER/acks/ and sent/: their ISA13, else the
 * digits of NAME-NNNNNNNNN.x12), 0 when none. */
eg_err eg_spool_max_control(const char *spool, const char *partner,
			    uint64_t *out, eg_error *e) EG_MUST_USE;

/*
 * Refuse a partner whose control-number sequence would start again (the
 * ledger has none for it) while the spool holds acknowledgements we sent
 * it with earlier numbers: EG_ECONFIG, saying so.
 */
eg_err eg_spool_check_controls(eg_ledger *l, const char *spool,
			       const char *partner, eg_error *e) EG_MUST_USE;

/*
 * Seed a new, empty ledger from the spool: file ids continue after the
 * largest on disk, each partner's control numbers after its largest
 * acknowledgement on disk; audited as "new-ledger" by actor.  Inside
 * its own transaction.
 */
eg_err eg_spool_seed_ledger(eg_ledger *l, const char *spool,
			    const char *actor, time_t now,
			    eg_error *e) EG_MUST_USE;

/* How many files the ledger knows (0: a new or emptied ledger). */
eg_err eg_ledger_file_count(eg_ledger *l, int64_t *n, eg_error *e) EG_MUST_USE;

#endif
