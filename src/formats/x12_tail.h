/*
 * x12_tail.h - X12 interchange headers in the part of a file the reader
 * could not read (x12_tail.c).  Internal to src/formats: the X12
 * descriptor's next_header.
 */
#ifndef EDIGATE_FORMATS_X12_TAIL_H
#define EDIGATE_FORMATS_X12_TAIL_H

#include <stdint.h>

#include "edigate/envelope.h"
#include "edigate/err.h"

/*
 * The first readable fixed-width ISA at or after byte `from` of the open
 * file fd: its offset into *at and its header fields (sender, receiver,
 * qualifiers, date, time, version, ISA13, ISA14, ISA15) into *ctl.
 * Returns EG_OK, EG_ENOTFOUND when there is none (e is not set), or
 * EG_EIO.  fd is only read (pread); its offset is not moved.
 */
eg_err eg_tail_next_isa(int fd, uint64_t from, uint64_t *at, eg_x12_ctl *ctl,
			eg_error *e) EG_MUST_USE;

#endif
