/*
 * xml_int.h - what the XML reader (xml_reader.c) and its accessors
 * (xml_where.c) share.  Not installed.
 */
#ifndef EDIGATE_XML_INT_H
#define EDIGATE_XML_INT_H

#include <libxml/xmlreader.h>

#include "edigate/xml_reader.h"

#define NAME_MAX_BYTES 200

/* The prolog scanner (see the file comment). */
enum pstate { P_TEXT, P_LT, P_BANG, P_COMMENT, P_PI, P_DOCTYPE, P_DONE };

typedef struct level {
	size_t plen;     /* length of the absolute path up to this element */
	int capture;     /* wanted element path index, -1 none */
	size_t cap_off;  /* its text in vbuf: from cap_off to cap_end */
	size_t cap_end;
	long occ;        /* occurrence number of the enclosing repeat */
	size_t rep;
	unsigned long line;
} level;

typedef struct wpath {
	char elem[256]; /* relative element path, "." for the record */
	char attr[64];  /* attribute local name, "" for element text */
} wpath;

struct eg_xmlr {
	xmlTextReaderPtr rd;
	eg_xmlr_opts o;
	char name[256]; /* file name for messages */
	/* input */
	int fd;
	const unsigned char *mem;
	size_t memlen, mempos;
	uint64_t nread;
	int first_chunk;
	unsigned char head[64]; /* the first bytes, for the encoding */
	size_t nhead;
	enum pstate ps;
	int dashes, quote;
	char refused[300]; /* set by the read callback */
	uint64_t refused_at;   /* its byte offset */
	int refused_pos;       /* refused_at is set */
	unsigned long pline;   /* lines the prolog scanner has seen */
	/* libxml2's first error */
	char xerr[400];
	int xline, xcol, xschema;
	int ahead; /* the error is libxml2's: at or after the element */
	/* walking */
	level *stack;
	size_t depth;
	char *path;     /* absolute path of the open elements */
	size_t pathcap;
	char recpath[1024];
	size_t reclen;  /* strlen(recpath) */
	int in_rec;
	size_t rec_depth;
	wpath *want;
	size_t nwant;
	char (*reps)[256];
	long repcount[EG_XMLR_MAX_REPEATS];
	/* the current record */
	eg_buf vbuf;
	eg_xmlr_val *vals;
	size_t *voff;
	size_t nvals, valcap;
	uint64_t rec_first, rec_last, rec_off, nrec;
	unsigned long maxline; /* the last line seen inside the record */
	char rec_xpath[300];
	/* state */
	int done;
	eg_err failed;
	eg_error ferr;
	eg_csv_where where;
};

#endif
