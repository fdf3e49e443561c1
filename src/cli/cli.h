/*
 * cli.h - the edigate tool: command table and shared helpers.
 *
 * Only the tool prints, reads argv and picks exit codes.  Every command
 * returns one of the EG_EXIT_* codes, the same for every command.
 */
#ifndef EDIGATE_CLI_H
#define EDIGATE_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "edigate/envelope.h"
#include "edigate/err.h"
#include "edigate/guide.h"
#include "edigate/home.h"
#include "edigate/map.h"
#include "edigate/profile.h"
#include "edigate/rules.h"
#include "edigate/syntax.h"
#include "edigate/transport.h"
#include "edigate/x12_check.h"
#include "edigate/ledger_query.h"
#include "edigate/sla.h"

enum {
	EG_EXIT_OK = 0,       /* done, document valid */
	EG_EXIT_DOCUMENT = 1, /* the document has errors */
	EG_EXIT_USAGE = 2,    /* usage or configuration error */
	EG_EXIT_IO = 3,       /* I/O or environment failure */
	/* Another run holds the spool's lock: nothing was done, try again
	 * later (75 is EX_TEMPFAIL of sysexits.h, which cron and
	 * schedulers know as "retry"). */
	EG_EXIT_LOCKED = 75,
	/* The spool needs a person before anything runs: archives or
	 * records but no ledger (78 is EX_CONFIG). */
	EG_EXIT_SPOOL = 78,
};

typedef struct eg_cli {
	const char *prog;
	const char *opt_home; /* --home, may be NULL */
	const char *env_home; /* EDIGATE_HOME, may be NULL */
	const char *env_spool; /* EDIGATE_SPOOL: the spool, default HOME/spool */
	const char *env_user;  /* EDIGATE_USER: who, for the audit log */
	const char *env_now;   /* EDIGATE_NOW: the clock (tests): epoch
				* seconds or CCYY-MM-DD */
	const char *env_crash; /* EDIGATE_CRASH_AT: a crash point (tests) */
	const char *opt_ledger; /* --ledger URL, may be NULL */
	const char *env_ledger; /* EDIGATE_LEDGER, may be NULL */
	const char *opt_node;   /* --node NAME, may be NULL */
	const char *env_node;   /* EDIGATE_NODE, may be NULL */
	int stdout_tty;
	int stderr_tty;       /* progress only when a person watches */
	FILE *out;
	FILE *err;
} eg_cli;

typedef struct eg_command {
	const char *name;
	const char *summary;
	int (*run)(eg_cli *cli, int argc, char **argv);
	void (*help)(FILE *f);
} eg_command;

extern const eg_command eg_cmd_parse;
extern const eg_command eg_cmd_validate;
extern const eg_command eg_cmd_info;
extern const eg_command eg_cmd_ledger;
extern const eg_command eg_cmd_ack;
extern const eg_command eg_cmd_guide;
extern const eg_command eg_cmd_acks;
extern const eg_command eg_cmd_partner;
extern const eg_command eg_cmd_map;
extern const eg_command eg_cmd_run;
extern const eg_command eg_cmd_files;
extern const eg_command eg_cmd_show;
extern const eg_command eg_cmd_reprocess;
extern const eg_command eg_cmd_quarantine;
extern const eg_command eg_cmd_status;
extern const eg_command eg_cmd_alerts;
extern const eg_command eg_cmd_report;
extern const eg_command eg_cmd_sent;
extern const eg_command eg_cmd_send;
extern const eg_command eg_cmd_redeliver;
extern const eg_command eg_cmd_resend;
extern const eg_command eg_cmd_layout;
extern const eg_command eg_cmd_csv;
extern const eg_command eg_cmd_xml;
extern const eg_command eg_cmd_delta;
extern const eg_command eg_cmd_serve;
extern const eg_command eg_cmd_review;
extern const eg_command eg_cmd_shadow;

/* Exit code for a library error. */
int eg_cli_exit_for(eg_err rc);
/* Print "edigate: <message>" for e to stderr and return its exit code. */
int eg_cli_fail(eg_cli *cli, const eg_error *e);
/* Print a usage error and return EG_EXIT_USAGE. */
int eg_cli_usage(eg_cli *cli, const char *cmd, const char *fmt, ...)
    EG_PRINTF(3, 4);
/* The common exit-code paragraph of every --help. */
void eg_cli_help_exit_codes(FILE *f);

struct eg_buf;
/* One segment as JSON through its syntax's segment view (segjson.c);
 * b is scratch. */
void eg_cli_json_segment(FILE *out, struct eg_buf *b,
			 const eg_syntax_desc *syn, const eg_segment *s);
/*
 * Open the implementation guides for a command: resolves the home into h,
 * creates *guides from its data directory (NULL with a note on stderr when
 * there is none) and loads guide_file (may be NULL) into *override.
 * Returns an exit code (EG_EXIT_OK on success).
 */
int eg_cli_open_guides(eg_cli *cli, const char *cmd, eg_home *h,
		       const char *guide_file, eg_guides **guides,
		       const eg_guide **override);
/*
 * A command run for one partner (--partner ID): its profile, what its
 * files must say (identity, documents) and its partner guides.
 */
typedef struct eg_cli_partner {
	struct eg_profile *profile;
	eg_envelope_expect expect;
	char sets[1024];             /* "850:004010 850:005010 ..." */
	const eg_guide *guides[32];  /* partner guides of its documents */
	size_t nguides;
	char *owners_dir;            /* partners/ for the owner lookup */
	const char *datadir;         /* borrowed from the home */
	char owner[80];              /* the last owner found */
	eg_guides *store;            /* borrowed */
} eg_cli_partner;

/* Load partners/ID.xml for a command; returns an exit code. */
int eg_cli_partner_open(eg_cli *cli, const char *cmd, const eg_home *h,
			eg_guides *guides, const char *id, eg_cli_partner *p);
void eg_cli_partner_close(eg_cli_partner *p);
/*
 * Partner ids and profiles (partner_cli.c).  An id is lower-case
 * letters, digits, - and _ (the name of a file in partners/).
 */
int eg_cli_partner_id_ok(const char *id);
/* EG_EXIT_OK when partners/ID.xml exists; else a usage error (exit 2)
 * that says which partners there are. */
int eg_cli_partner_known(eg_cli *cli, const char *cmd, const eg_home *h,
			 const char *id);
/* Every profile of the home: ps[i] NULL when ids[i] does not load, with
 * the reason in errs[i], or other[i] 1 when the file is no profile at all
 * (a partner guide kept in partners/).  Free with eg_cli_profiles_free. */
typedef struct eg_cli_profiles {
	char **ids;
	struct eg_profile **ps;
	char **errs;
	int *other;
	size_t n;
} eg_cli_profiles;
int eg_cli_profiles_load(eg_cli *cli, const char *cmd, const eg_home *h,
			 eg_cli_profiles *all);
void eg_cli_profiles_free(eg_cli_profiles *all);
/* Index of id in all, or (size_t)-1. */
size_t eg_cli_profiles_find(const eg_cli_profiles *all, const char *id);
/* Conflicts of all->ps[i] with every other loaded profile (one ISA
 * sender, inbox, outbox each), reported through fn; their number. */
unsigned eg_cli_profiles_conflicts(const eg_cli_profiles *all, size_t i,
				   const char *home, eg_pcheck_fn fn, void *ud);
/*
 * A partner's inbox as `run` would see it now (inbox_cli.c): the files it
 * would take, and those it passes over with their names (the list's
 * skipped).  connect 0 leaves SFTP inboxes unlisted (status never
 * connects).  Returns 0 when listed; -1 with the reason in err.
 */
typedef struct eg_cli_inbox {
	eg_tlist l;
	int listed;
	char err[EG_ERRMSG_MAX];
} eg_cli_inbox;
int eg_cli_inbox_scan(const eg_home *h, const struct eg_profile *p,
		      time_t now, int connect, eg_cli_inbox *ib);
void eg_cli_inbox_free(eg_cli_inbox *ib);
/* "inbox: N file(s) to take, W waiting ..." and, with names, a line per
 * file; or one JSON object {"listed":..,"take":..,"files":[..]}. */
eg_err eg_cli_inbox_text(eg_buf *b, const eg_cli_inbox *ib, int names,
			 const char *indent) EG_MUST_USE;
eg_err eg_cli_inbox_json(eg_buf *b, const eg_cli_inbox *ib,
			 int names) EG_MUST_USE;
/* For `status`: partner id's local inbox counts appended to notes (when
 * anything is there), its file lines to lines (with names), and
 * ,"inbox":{...} to json (may be NULL). */
void eg_cli_inbox_status(const eg_home *h, const char *id, time_t now,
			 int names, char *notes, size_t cap, eg_buf *lines,
			 eg_buf *json);
/* `partner new` (cmd_partner_new.c). */
int eg_cli_partner_new(eg_cli *cli, int argc, char **argv, const eg_home *h);
/* `partner test` (cmd_partner_test.c). */
int eg_cli_partner_test(eg_cli *cli, int argc, char **argv, const eg_home *h,
			eg_guides *guides);
/* `partner probe` (cmd_partner_probe.c). */
int eg_cli_partner_probe(eg_cli *cli, int argc, char **argv,
			 const eg_home *h);

/*
 * One file through validation and mapping (mapfile_run.c): the records
 * go into `records` (XML elements or JSON lines), every finding to
 * `finding` (from_map 1 for mapping and rule findings).
 */
typedef struct eg_cli_mapfile {
	const char *path;
	/* the file's syntax, whose check, limits and mapper entry are used
	 * (X12 until EDIFACT maps exist: issue 15 point 5) */
	const eg_syntax_desc *syn;
	eg_guides *guides;
	const eg_guide *const *overrides;
	size_t noverrides;
	const eg_envelope_expect *expect;  /* tenant isolation, or NULL */
	const struct eg_profile *profile;
	struct eg_maps *maps;              /* NULL: validate only */
	struct eg_memstore *mem;           /* earlier documents, or NULL */
	const char *store_as;              /* partner id records are kept
					    * under in mem */
	time_t now;
	const char *file_id_prefix;        /* "dry" */
	int jsonl;
	int discard;                       /* remember records, write none */
	const eg_envelope_events *pass;    /* also told of units (acks) */
	/* Stream: each set's records are written to out as soon as it is
	 * mapped, and taken back (truncated) when its group or interchange
	 * ends rejected, so memory does not grow with the file; documents
	 * for rules wait in gstage/istage until accepted.  NULL: records go
	 * to `records` when their interchange ends accepted. */
	FILE *out;
	const struct eg_profile *refs;     /* its rules say which sets are
					    * remembered in mem (NULL: all) */
	void (*finding)(void *ud, const eg_finding *f, int from_map);
	void *finding_ud;
	/* out */
	eg_buf records;
	unsigned long nrecords;
	unsigned errors, map_errors;
	eg_x12_check_result res;
	eg_mapper_counts counts;
	struct eg_mapper *mapper;          /* while running */
	struct eg_memstore *gstage, *istage; /* streaming, while running */
	long long gmark, imark;            /* out offsets: group, interchange */
	unsigned long gnrec, inrec;        /* nrecords at those marks */
	eg_err io_err;                     /* a failure inside a callback */
} eg_cli_mapfile;

/* Clear mf and set what every dry run shares: the partner's checks (none
 * for a --seen document, which is only remembered), the "dry" file ids,
 * and a records buffer of at most records_max bytes. */
void eg_cli_mapfile_init(eg_cli_mapfile *mf, const char *path,
			 eg_guides *guides, const eg_cli_partner *pc,
			 struct eg_maps *maps, struct eg_memstore *mem,
			 time_t now, int seen, size_t records_max);
eg_err eg_cli_map_file(eg_cli_mapfile *mf, eg_error *e) EG_MUST_USE;

/* "CCYY-MM-DD" -> noon UTC that day; -1 when malformed. */
int eg_cli_parse_day(const char *s, time_t *out);

/*
 * The spool and what works on it (spool_cli.c): the home, guides and
 * maps, the ledger, the clock and the user.  Commands that change the
 * spool take the run lock (one writer at a time).
 */
typedef struct eg_cli_spool {
	eg_home home;
	eg_guides *guides;
	struct eg_maps *maps;
	struct eg_ledger *ledger;
	char spool[4096];
	char user[64];
	/* the ledger: "" the SQLite one in the spool, else a postgresql://
	 * URL (--ledger, $EDIGATE_LEDGER, HOME/ledger.url); this node's
	 * name (--node, $EDIGATE_NODE, the host name) */
	char ledger_url[1024];
	char node[64];
	time_t now;
	int lockfd;
} eg_cli_spool;

enum { EG_SPOOL_READ = 0, EG_SPOOL_LOCK = 1, EG_SPOOL_WAIT = 2 };

/*
 * Open it; lock is EG_SPOOL_*.  Returns an exit code.  Only `run` makes a
 * spool (eg_cli_spool_open_run); every other command needs one to exist
 * and EG_SPOOL_READ never writes (works on a read-only spool).
 */
int eg_cli_spool_open(eg_cli *cli, const char *cmd, const char *spool_opt,
		      int lock, eg_cli_spool *s);
/*
 * `run`: wait_secs 0 exits EG_EXIT_LOCKED at once when another run holds
 * the lock, else waits at most that long.  The spool is made only in a
 * home with partners/; a spool with files but no ledger is refused
 * (EG_EXIT_SPOOL) unless new_ledger, which seeds a new ledger from the
 * numbers on disk.
 */
int eg_cli_spool_open_run(eg_cli *cli, const char *spool_opt, long wait_secs,
			  int new_ledger, eg_cli_spool *s);
/*
 * `run --dry-run`: s is a new spool of its own, SPOOL/dry-run/STAMP-PID,
 * holding a copy of the spool's ledger (none when there is none yet):
 * whatever the run does stays there; real gets the spool's path.
 */
int eg_cli_spool_open_dry(eg_cli *cli, const char *spool_opt,
			  eg_cli_spool *s, char *real, size_t cap);
void eg_cli_spool_close(eg_cli_spool *s);
/* "HOME has no partners/ ...: set --home or $EDIGATE_HOME"; returns
 * EG_EXIT_USAGE. */
int eg_cli_no_home(eg_cli *cli, const char *cmd, const eg_home *h);
/* Partner ids in HOME/partners (sorted); *n set; free with
 * eg_cli_free_ids.  Returns an exit code. */
int eg_cli_partner_ids(eg_cli *cli, const char *cmd, const eg_home *h,
		       char ***ids, size_t *n);
void eg_cli_free_ids(char **ids, size_t n);
/* "2026-11-22" or epoch seconds -> time; -1 when malformed. */
int eg_cli_parse_time(const char *s, time_t *out);
/* Print a ledger time as "2026-11-22 09:15:00" (UTC). */
void eg_cli_fmt_time(long long t, char *dst, size_t cap);
/* Append s as a JSON string (quoted) to b. */
eg_err eg_cli_json_str(eg_buf *b, const char *s) EG_MUST_USE;

/* cmd_partner_new.c, for the drafts of every syntax: s XML-escaped into
 * b; the <transport> of a draft (a local drop folder under drop/ID, or
 * the partner's SFTP server with CHECK marks) taking file names matching
 * pat; the local drop folders drop/ID/in, out and done made. */
eg_err eg_cli_draft_xml(eg_buf *b, const char *s) EG_MUST_USE;
eg_err eg_cli_draft_transport(eg_buf *b, const char *id, const char *pat,
			      int sftp) EG_MUST_USE;
eg_err eg_cli_draft_drop(const eg_home *h, const char *id,
			 eg_error *e) EG_MUST_USE;
/* The name endings of a draft's samples, for its inbox pattern. */
typedef struct eg_draft_exts {
	char v[8][16]; /* ".x12", ".txt" */
	unsigned n;
	int none; /* a sample name without one (or too many): "*" */
} eg_draft_exts;
void eg_cli_draft_add_ext(eg_draft_exts *x, const char *path);
/* "*.x12 *.txt" from the endings, fallback when the samples had none. */
void eg_cli_draft_pattern(const eg_draft_exts *x, const char *fallback,
			  char *dst, size_t cap);

/* partner_new_edifact.c: draft a UN/EDIFACT profile from samples (UNB
 * identities, the messages and directories they hold, CONTRL as their
 * UNB 0031 asks, the repertoire their characters need). */
int eg_cli_partner_new_edifact(eg_cli *cli, const eg_home *h, const char *id,
			       const char *name, const char *kind, int sftp,
			       char *const *samples, size_t n, int force);

/* partner_new_csv.c: is a sample a CSV file (no X12 or EDIFACT header)?
 * Draft a master-data profile and layout from it (partner new --from). */
int eg_cli_sample_is_csv(const char *path);
int eg_cli_partner_new_csv(eg_cli *cli, const eg_home *h, const char *id,
			   const char *name, const char *sample, int force);

/* batch_cli.c: `show`'s master-data batch counts (text lines, or a
 * ",\"batch\":{...}" member; null when the file is no batch). */
struct eg_ledger;
eg_err eg_cli_show_batch(struct eg_ledger *l, eg_buf *b, int json,
			 const char *id, eg_error *e) EG_MUST_USE;

/*
 * Per-flow health (health_cli.c), for `status` and `report`: each
 * document of the partner's profile is a flow (direction and set),
 * plus set "" for files refused before a set was read, when any wait.
 * Colours: red (an alert, overdue acknowledgements, a threshold's alert
 * level, the partner failing), amber (a warning, a threshold's warning
 * level, or quarantine not empty when the profile sets no threshold),
 * green.
 */
typedef struct eg_cli_flow {
	char dir[4], set[4];
	char health[8];
	eg_ledger_flow f;
	int64_t cat[EG_QUARANTINE_NCATEGORIES]; /* quarantine now, by
						 * eg_quarantine_categories() */
	long long rate;     /* percent quarantined in the window, -1 none */
	long long lag_secs; /* answers: mean time from ours to theirs, -1 */
	long long overdue;  /* out: acknowledgements overdue */
} eg_cli_flow;
typedef struct eg_cli_health {
	char id[64], name[160];
	char health[8];
	char why[300]; /* what made it amber or red, "" */
	long long open_alerts, open_warnings, acks_overdue;
	long long outbox_waiting; /* local outbox files not taken, -1 */
	long long drop_waiting;   /* <outbound drop=> files not sent, -1 */
	long long window;         /* the rate window, seconds */
	eg_cli_flow flows[24];
	size_t nflows;
} eg_cli_health;
/* Gather partner id's health at now; failing: why the partner is
 * failing ("" when not).  Errors are the ledger's. */
eg_err eg_cli_health_get(const eg_cli_spool *s, struct eg_ledger *l,
			 const char *id, time_t now, const char *failing, eg_cli_health *h,
			 eg_error *e) EG_MUST_USE;
/* The outbound backlog: records files (*.jsonl) our systems left in
 * the partner's <outbound drop=> folder, not sent yet; -1 when the
 * profile has no drop folder or it cannot be read. */
long long eg_cli_drop_waiting(const char *home, const struct eg_profile *p);
/* Interchanges we sent in the last 30 days whose acknowledgement of
 * type p->sla.ack[k].type is overdue at now (no answer within its
 * window): over[k] for each k < p->sla.nack.  For status, report and
 * the metrics (edigate_acks_overdue). */
eg_err eg_cli_acks_overdue(struct eg_ledger *l, const struct eg_profile *p,
			   time_t now, long long *over,
			   eg_error *e) EG_MUST_USE;
/* The HTML report (cmd_report.c) written atomically to path. */
eg_err eg_cli_report_write(eg_cli *cli, const eg_cli_spool *s,
			   struct eg_ledger *l, const char *path, time_t now,
			   eg_error *e) EG_MUST_USE;

/*
 * The quarantine's work queue (cmd_quarantine.c), for quarantine and
 * review: an age for people ("2d 4h"), an age from the command line
 * ("30m", "36h", "2d", "1w" -> seconds; -1 when malformed), a category
 * as typed ("mapping-gap") to its name ("mapping gap", NULL: none).
 */
void eg_cli_fmt_age(int64_t secs, char *dst, size_t cap);
int eg_cli_parse_age(const char *s, int64_t *out);
const char *eg_cli_category(const char *s);
/* Who owns a quarantined file: assigned, else the profile's default
 * owner for its set (*from_profile 1); "" for nobody. */
struct eg_ledger_quarantined;
typedef struct eg_cli_qowners {
	eg_cli_profiles all;
} eg_cli_qowners;
int eg_cli_qowners_open(eg_cli *cli, const eg_home *h, eg_cli_qowners *o);
void eg_cli_qowners_close(eg_cli_qowners *o);
const char *eg_cli_qowner(const eg_cli_qowners *o,
			  const struct eg_ledger_quarantined *q,
			  int *from_profile);

/* Write a buffer's bytes to f; EG_EIO on a short write. */
int eg_cli_write(eg_cli *cli, const char *p, size_t n);

/*
 * UN/EDIFACT files (edifact_cli.c): the commands detect the syntax and
 * call in here, their X12 paths unchanged.
 */
struct eg_edifact_check_opts;
/* 1 when the file (not "-") is detected as UN/EDIFACT. */
int eg_cli_is_edifact(const char *path);
/* The descriptor of the syntax the file starts (the registry's bid), or
 * X12 when none takes it: its reader then says what it cannot read. */
const eg_syntax_desc *eg_cli_file_syntax(const char *path);
/* `parse` for one EDIFACT file; returns an exit code. */
int eg_cli_edifact_parse(eg_cli *cli, const char *file, int json);
/* `validate` for one EDIFACT file (service-segment checks); guides_asked:
 * the run wanted guide validation, which EDIFACT has not yet. */
int eg_cli_edifact_validate(eg_cli *cli, const char *path, int json,
			    int verbose,
			    const struct eg_edifact_check_opts *opts,
			    int guides_asked);

#endif
