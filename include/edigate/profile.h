/*
 * profile.h - partner profiles: partners/<id>.xml.
 *
 * A profile is checked against schemas/partner-profile.xsd when loaded,
 * then read into an eg_profile.  eg_profile_check looks at meaning: the
 * files it names exist, secret files are 0600, SFTP has a host key to
 * check against, patterns are well formed, guides load.  docs/profiles.md
 * documents the format.
 *
 * Ownership: an eg_profile owns every string in it; free with
 * eg_profile_free.
 */
#ifndef EDIGATE_PROFILE_H
#define EDIGATE_PROFILE_H

#include <stddef.h>

#include "edigate/err.h"
#include "edigate/guide.h"
#include "edigate/rules.h"
#include "edigate/sla.h"

typedef struct eg_profile_doc {
	char direction[4]; /* "in" / "out" */
	char syntax[8];    /* "x12" (the default) / "edifact" */
	char set[7];       /* "856"; EDIFACT: the message type "DESADV" */
	char versions[64]; /* "004010 005010"; EDIFACT: "D96A D01B" */
	char *guide;       /* partner guide path (resolved), or NULL */
	int ack_only;      /* acknowledge-only="true": no record expected */
	char owner[64];    /* owner=: who works its quarantined files by
			    * default, "" when not set */
} eg_profile_doc;

/*
 * <master-data>: a nightly master-data document (profile_md.c, docs/csv.md):
 * a full CSV file read through a layout, compared by business key with
 * the last accepted batch; only the changes are passed on.
 */
typedef struct eg_profile_md {
	char name[32];      /* the document: "items" */
	char *layout;       /* the layout file (resolved), or NULL */
	char *pattern;      /* file names it takes ("ITEMS_*.csv"), or NULL:
			     * every file no EDI syntax reads */
	char *key;          /* key= as written ("sku"), or NULL */
	/* thresholds over the layout's <batch> (given: 1) */
	double max_drop_percent, max_bad_percent;
	long max_deletes;
	int drop_given, deletes_given, bad_given;
	char on_bad_row[12]; /* "reject", "quarantine" or "" (the layout's) */
	char syntax[4];      /* syntax=: "csv" (default) or "xml" */
	unsigned keep;       /* keep-baselines= (default 7) */
	long line;
} eg_profile_md;

/*
 * <layout-document>: a partner document in CSV, fixed width or XML (a
 * 3PL's ship confirm or stock report) read through a layout
 * (profile_md.c, pipeline/layoutdoc.c, docs/csv.md): every good record
 * goes on, a record seen before with the same content is a duplicate,
 * bad records are quarantined with the reject report.  No acknowledgement.
 */
typedef struct eg_profile_ld {
	char name[32];  /* the document: "stock", "ship-confirm" */
	char syntax[4]; /* "csv" (default) or "xml": the layout's */
	char *layout;   /* the layout file (resolved) */
	char *pattern;  /* file names it takes, or NULL: every file no EDI
			 * syntax reads */
	long line;
} eg_profile_ld;

/* <codemap name=...>: partner codes to ours. */
typedef struct eg_profile_codemap {
	char name[16];   /* uom, carrier, ship-method, purpose, ... */
	char *dflt;      /* default= for codes not listed, or NULL */
	size_t n;
	char **partner, **ours; /* parallel arrays */
	long line;
} eg_profile_codemap;

/* <mapping set=...><field .../>: a map field overridden for one set. */
typedef struct eg_profile_field {
	char set[7];       /* "856"; EDIFACT "DESADV" */
	char *path, *source, *when, *dflt, *codes, *pairs, *uom;
	long line;
} eg_profile_field;

/* A <schedule> as written (line 0 when the profile has none). */
typedef struct eg_profile_sched {
	long line;
	long long every; /* seconds, 0 for cron */
	char *cron, *tz;
	struct {
		char *days, *from, *to;
	} win[8];
	unsigned nwin;
} eg_profile_sched;

typedef struct eg_profile {
	char *path, *dir; /* the file and its directory */
	char *id, *name, *kind;
	/* mode="shadow": the pipeline runs but delivers nothing (outputs
	 * stay in spool/shadow/ID) */
	int shadow;
	char partner_q[3], partner_id[16], our_q[3], our_id[16];
	char gs_partner[16], gs_ours[16];
	/* <partner-unb>, <our-unb>: UN/EDIFACT UNB S002/S003 (0004/0010
	 * and 0007), "" when the partner does not speak EDIFACT */
	char unb_partner_q[5], unb_partner_id[36], unb_our_q[5],
	    unb_our_id[36];
	/* <partner-unb repertoire=>: how strictly the characters the
	 * partner sends are held to its UNB 0001 repertoire, as
	 * eg_edifact_strict (edifact.h): 0 strict (default), 1 lenient
	 * (lower case under UNOA), 2 off */
	int unb_repertoire;
	int sftp;
	char *host, *user, *key_file, *known_hosts, *host_key;
	unsigned port;
	char *secret_files[2]; /* passphrase / password file=, or NULL */
	char *secret_envs[2];  /* passphrase / password env=, or NULL */
	int secret_given[2];   /* the <passphrase> / <password> element is there */
	char *inbox, *inbox_pattern, *inbox_exclude, *outbox;
	char *after_action, *move_to;
	/* <after-pickup attention-after=>: a clean-up refused this many runs
	 * in a row becomes an attention item in `status` (default 3) */
	unsigned cleanup_attention;
	/* <complete>: a file is taken when unchanged this long (seconds),
	 * when its done-file (name + done_suffix) is there, and never while
	 * it ends in temp_suffix; suffixes NULL when not set */
	long long stable_for;
	char *done_suffix, *temp_suffix;
	int outbox_replace;       /* <outbox if-exists="replace"> */
	char *outbox_done_suffix; /* <outbox done-suffix=>, or NULL */
	long long timeout;      /* <sftp timeout=>, seconds (default 30) */
	unsigned max_sessions;  /* <sftp max-sessions=> (default 1) */
	/* <sftp retries= retry-wait= retry-max-wait=>: a session that fails
	 * (connect, timeout, protocol) is tried again up to retries times
	 * in the run, after retry_wait seconds doubled each time, capped at
	 * retry_max_wait, with jitter (defaults 3, 2, 60) */
	unsigned retries;
	long long retry_wait, retry_max_wait;
	int allow_legacy;       /* <sftp allow-legacy=> */
	/* <acknowledgements><send type= when=>: up to 4 (TA1, 997/999 or
	 * functional, CONTRL) */
	struct {
		char type[12]; /* TA1, 997, 999, functional */
		char when[12]; /* always, on-error, requested, never */
	} ack_send[4];
	size_t nack_send;
	int contrl_receipt_only; /* <send type="CONTRL" receipt-only=> */
	int ack_policy_given;   /* <acknowledgements> is there */
	int ack_after_syntax_reject; /* after-syntax="reject" */
	int ack_release_again;  /* reacknowledge-release="true" */
	/* <acknowledgements convention=>: the 999 implementation
	 * convention ("005010X231A1"), "" for a plain 005010 999 */
	char ack_convention[16];
	/* <outbound>: our delimiters for this partner (defaults * : ^ ~),
	 * a newline after each segment (default 1), ISA15 usage */
	char out_element, out_component, out_repetition, out_segment;
	int out_newline;
	char out_usage;
	/* <outbound file-name=>: the names of the files we send
	 * (namepat.h; default EG_NAMEPAT_DEFAULT) */
	char out_file_name[128];
	/* <outbound ack-requested=> (ISA14, default false) and
	 * interchange="per-document" (else one per input file) */
	int out_ack_requested;
	int out_per_document;
	/* <outbound drop=>: a local folder (relative to the home) where our
	 * systems leave canonical records for `run` to send, or NULL */
	char *out_drop;
	/* <duplicates> */
	long long dup_window;   /* control-window, seconds (default 30d) */
	char dup_business[12];  /* duplicate | change | reject */
	int dup_reack;          /* reacknowledge (default 1) */
	int dup_reuse_accept;   /* control-reuse="accept" (else quarantine) */
	int dup_resend_hold;    /* corrected-resend="quarantine" */
	/* <limits>, 0 when not set */
	unsigned long long max_file_bytes, max_segment, max_elements,
	    max_findings, max_archive_entries, max_expansion_ratio,
	    max_bundle_depth;
	/* <partial-files policy=>: "accept-valid" (default) or "reject-file" */
	char partial[16];
	size_t ndocs;
	eg_profile_doc *docs;
	size_t nmd;
	eg_profile_md *md;
	size_t nld;
	eg_profile_ld *ld;
	char *layout_xsd;     /* DATADIR/schemas/layout.xsd */
	size_t ncodemaps;
	eg_profile_codemap *codemaps;
	size_t nfields;
	eg_profile_field *fields;
	size_t nrules;
	eg_rule *rules;
	/* <transport><schedule> (both directions, or the inbound one when
	 * <outbound> has its own) and <outbound><schedule> (the drop folder
	 * and undelivered documents): for eg_profile_schedule */
	eg_profile_sched sched, out_sched;
	/* <sla> and <acknowledgements><expect>: what is watched (sla.h) */
	eg_sla sla;
} eg_profile;

/*
 * The profile's <transport><schedule> (out 0) or <outbound><schedule>
 * (out 1) parsed into s (schedule.h): EG_ENOTFOUND when it has none,
 * EG_EINVAL with the reason when it is malformed (partner check reports
 * that as an error).
 */
struct eg_schedule;
eg_err eg_profile_schedule(const eg_profile *p, struct eg_schedule *s,
			   eg_error *e) EG_MUST_USE;
eg_err eg_profile_schedule_out(const eg_profile *p, struct eg_schedule *s,
			       eg_error *e) EG_MUST_USE;

/*
 * Who works a quarantined file of document set (e.g. "856", may be "" or
 * NULL when not known) by default: the owner= of the profile's inbound
 * <document> of that set; when the set is not known, the owner shared by
 * every inbound document that names one (NULL when they differ or none
 * does).  NULL when there is none.
 */
const char *eg_profile_default_owner(const eg_profile *p, const char *set);
/* An owner name is 1-63 letters, digits, '.', '_', '-' or '@'. */
int eg_owner_name_ok(const char *name);

/* The profile's code list called name, or NULL. */
const eg_profile_codemap *eg_profile_codemap_find(const eg_profile *p,
						  const char *name);
/* Our code for a partner code: NULL when the list has none (and no
 * default). */
const char *eg_profile_code(const eg_profile_codemap *cm, const char *code);

/* Load and check the form of a profile (XSD errors name file and line). */
eg_err eg_profile_load(eg_profile **out, const char *path,
		       const char *datadir, eg_error *e) EG_MUST_USE;
void eg_profile_free(eg_profile *p);

typedef enum eg_pcheck_sev { EG_PCHECK_ERROR, EG_PCHECK_WARNING } eg_pcheck_sev;
typedef void (*eg_pcheck_fn)(void *ud, eg_pcheck_sev sev, const char *msg);

/*
 * Check a loaded profile's meaning; home resolves relative paths, guides
 * (may be NULL) loads its partner guides and finds shipped ones.  Every
 * problem is reported through fn; returns the number of errors.
 */
unsigned eg_profile_check(const eg_profile *p, const char *home,
			  eg_guides *guides, eg_pcheck_fn fn, void *ud);

/*
 * Across profiles: no two partners may claim the same ISA sender, read
 * the same inbox or write the same outbox, and no partner may read from
 * a folder where another writes.  Reports through fn; returns the number
 * of errors.  home (may be NULL) resolves relative local folders.
 */
unsigned eg_profile_check_all(eg_profile *const *ps, size_t n,
			      const char *home, eg_pcheck_fn fn, void *ud);
/*
 * The same, for ps[i] only: its conflicts with every other profile
 * (what `run` refuses to serve the partner for, and what `partner check
 * ID` reports).  Returns the number of conflicts.
 */
unsigned eg_profile_conflicts(eg_profile *const *ps, size_t n, size_t i,
			      const char *home, eg_pcheck_fn fn, void *ud);

/*
 * Code-list values (profile_codes.c): each <codemap>'s ours= and
 * default= values against the canonical type the list translates into
 * (uom: an X12 355 code of two characters, weight-unit: KG LB GR OZ,
 * purpose: original change replace cancel, ...), read from
 * DATADIR/schemas/canonical.xsd.  Returns the number of errors.
 */
/*
 * The syntaxes a profile speaks (profile_syntax.c): X12 documents need
 * the ISA identity, EDIFACT ones the UNB identity, a CONTRL policy an
 * EDIFACT document, every identity a document that uses it; settings
 * that would not take effect are errors.  Returns the number of errors
 * reported through fn (eg_profile_check calls it).
 */
unsigned eg_profile_check_syntaxes(const eg_profile *p, eg_pcheck_fn fn,
				   void *ud);
/* Does the profile list an inbound or outbound document in syntax
 * ("x12", "edifact")? */
int eg_profile_speaks(const eg_profile *p, const char *syntax);

unsigned eg_profile_check_codes(const eg_profile *p, const char *datadir,
				eg_pcheck_fn fn, void *ud);

/* profile_md.c: the <master-data> and <layout-document> elements of the profile's root (an
 * eg_xml_node), and their meaning checked (layout loads, key= and the
 * thresholds take effect); the check returns the number of errors. */
struct eg_xml_node;
eg_err eg_profile_md_read(eg_profile *p, const struct eg_xml_node *root,
			  const char *datadir, eg_error *e) EG_MUST_USE;
void eg_profile_md_free(eg_profile *p);
unsigned eg_profile_md_check(const eg_profile *p, eg_pcheck_fn fn, void *ud);
/* The master-data document that takes a file of this name, or NULL
 * (edi: an EDI syntax reads its first bytes). */
const eg_profile_md *eg_profile_md_for(const eg_profile *p, const char *name,
				       int edi);
/* The layout document that takes it (after master data), or NULL. */
const eg_profile_ld *eg_profile_ld_for(const eg_profile *p, const char *name,
				       int edi);

#endif
