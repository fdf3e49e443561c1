/*
 * alerts.h - judge a partner's service levels (sla.h) against the
 * ledger and raise, escalate and clear its alerts (ledger_alerts.h),
 * telling the profile's <alert command=> hook of each change.
 *
 * Each alert is raised once: a warning when its deadline is less than
 * warn-before away (or a threshold's warning level is reached), an
 * alert when the deadline passes (or the alert level is reached), and
 * it is cleared once, when what was missing arrived or the figure went
 * back under its warning level.  Every change is recorded in the ledger
 * first, then the hook is run: a hook that fails (exit status, time
 * limit) is recorded with the alert and does not undo it.
 *
 * The hook gets one JSON object on standard input (eg_alerts_json): the
 * event, the partner, the rule and its words, never a secret (no
 * password, key, host or path from the profile).  It runs as
 * `/bin/sh -c COMMAND` in its own process group, killed when the
 * time limit passes, with the environment minus the variables the
 * profile names for secrets.
 */
#ifndef EDIGATE_ALERTS_H
#define EDIGATE_ALERTS_H

#include <stdint.h>
#include <time.h>

#include "edigate/buf.h"
#include "edigate/ledger.h"
#include "edigate/profile.h"

typedef struct eg_alert_event {
	const char *event; /* "warning", "alert" (raised or escalated),
			    * "cleared" */
	const char *level; /* the alert's level: warning alert */
	const char *partner, *rule, *subject, *message;
	const char *what;  /* the promise in words */
	int64_t id, at, raised_at;
} eg_alert_event;

/* Run the hook for ev (json is its text): 0, or -1 with why. */
typedef int (*eg_alerts_hook_fn)(void *ud, const eg_profile *p,
				 const char *json, char *why, size_t cap);

typedef struct eg_alerts_opts {
	time_t now;
	/* NULL: eg_alerts_run_command with the profile's command */
	eg_alerts_hook_fn hook;
	void *hook_ud;
	/* told of each event after its hook ran (hook "none" "ok"
	 * "failed"); may be NULL */
	void (*log)(void *ud, const eg_alert_event *ev, const char *hook,
		    const char *why);
	void *log_ud;
} eg_alerts_opts;

/* Judge p's service levels at o->now; *events (may be NULL) += the
 * changes made.  Errors are the ledger's. */
eg_err eg_alerts_check(eg_ledger *l, const eg_profile *p,
		       const eg_alerts_opts *o, unsigned *events,
		       eg_error *e) EG_MUST_USE;

/* The hook's JSON for ev (one line, no newline). */
eg_err eg_alerts_json(eg_buf *b, const eg_alert_event *ev,
		      const char *partner_name) EG_MUST_USE;

/* Run command with json on its standard input, at most timeout
 * seconds; strip (NULL-terminated, may be NULL) names environment
 * variables the child must not see.  0 when it exits 0; -1 with why
 * ("exit 3: its first line of output", "killed after 30s"). */
int eg_alerts_run_command(const char *command, long long timeout,
			  const char *json, const char *const *strip,
			  char *why, size_t cap);

#endif
