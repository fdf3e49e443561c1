/*
 * alerts.c - service levels judged against the ledger, alerts raised,
 * escalated and cleared, and the alert hook run (see alerts.h).
 *
 * Rules and subjects (the ledger key):
 *   arrival:N  the profile's N-th <arrival>; a daily one's subject is
 *              the local date of its deadline, an answer rule's is the
 *              document we sent ("FILE-ID ST02")
 *   ack:TYPE   an interchange we sent ("FILE-ID ISA13")
 *   quarantine-depth, quarantine-rate   subject ""
 * A dated or per-document alert is never raised twice (a cleared one
 * stays cleared); a threshold alert is an episode: once cleared, the
 * next crossing raises a new one.
 */
#include "edigate/alerts.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edigate/ledger_alerts.h"
#include "edigate/ledger_query.h"

extern char **environ;

/* Documents we sent more than this before their deadline are no
 * longer looked at (their alerts, if any, stay as they are). */
#define LOOKBACK (30 * 86400)

typedef struct judge {
	eg_ledger *l;
	const eg_profile *p;
	const eg_alerts_opts *o;
	unsigned events;
	eg_err rc;
	eg_error *e;
} judge;

/* What eg_ledger_alert_find found (copied: the row is borrowed). */
typedef struct found {
	int have;
	int64_t id, raised_at, cleared_at;
	char level[12], subject[96];
} found;

static int
on_found(void *ud, const eg_ledger_alert *a)
{
	found *f = ud;

	f->have = 1;
	f->id = a->id;
	f->raised_at = a->raised_at;
	f->cleared_at = a->cleared_at;
	snprintf(f->level, sizeof(f->level), "%s", a->level);
	snprintf(f->subject, sizeof(f->subject), "%s", a->subject);
	return 1;
}

static void
utc(time_t t, char *dst, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

/* --- the hook --------------------------------------------------------- */

static eg_err
json_str(eg_buf *b, const char *s)
{
	eg_err rc = eg_buf_adds(b, "\"");

	for (; !rc && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			rc = eg_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			rc = eg_buf_addf(b, "\\u%04x", c);
		else
			rc = eg_buf_add(b, s, 1);
	}
	return rc ? rc : eg_buf_adds(b, "\"");
}

eg_err
eg_alerts_json(eg_buf *b, const eg_alert_event *ev, const char *partner_name)
{
	char at[32], raised[32];
	eg_err rc;

	utc((time_t)ev->at, at, sizeof(at));
	utc((time_t)ev->raised_at, raised, sizeof(raised));
	rc = eg_buf_addf(b, "{\"source\":\"edigate\",\"id\":%lld,\"event\":",
			 (long long)ev->id);
	if (!rc)
		rc = json_str(b, ev->event);
	if (!rc && !(rc = eg_buf_adds(b, ",\"level\":")))
		rc = json_str(b, ev->level);
	if (!rc && !(rc = eg_buf_adds(b, ",\"partner\":")))
		rc = json_str(b, ev->partner);
	if (!rc && !(rc = eg_buf_adds(b, ",\"partnerName\":")))
		rc = json_str(b, partner_name ? partner_name : "");
	if (!rc && !(rc = eg_buf_adds(b, ",\"rule\":")))
		rc = json_str(b, ev->rule);
	if (!rc && !(rc = eg_buf_adds(b, ",\"expected\":")))
		rc = json_str(b, ev->what);
	if (!rc && !(rc = eg_buf_adds(b, ",\"subject\":")))
		rc = json_str(b, ev->subject);
	if (!rc && !(rc = eg_buf_adds(b, ",\"message\":")))
		rc = json_str(b, ev->message);
	if (!rc)
		rc = eg_buf_addf(b, ",\"at\":%lld,\"atText\":\"%s\","
				    "\"raisedAt\":%lld,\"raisedAtText\":\"%s\"}",
				 (long long)ev->at, at,
				 (long long)ev->raised_at, raised);
	return rc;
}

static int
stripped(const char *var, const char *const *strip)
{
	size_t n;

	for (; strip && *strip; strip++) {
		n = strlen(*strip);
		if (n && !strncmp(var, *strip, n) && var[n] == '=')
			return 1;
	}
	return 0;
}

/* The child: stdin from in, stdout and stderr to out, its own process
 * group, the environment without strip.  Never returns. */
static void
child(const char *command, int in, int out, const char *const *strip)
{
	char *argv[4], **env;
	size_t n = 0, k = 0;

	(void)setpgid(0, 0);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		_exit(126);
	for (n = 0; environ && environ[n]; n++)
		if (!stripped(environ[n], strip))
			env[k++] = environ[n];
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)command;
	argv[3] = NULL;
	execve("/bin/sh", argv, env);
	_exit(127);
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Feed json, collect the first line of output, wait at most timeout. */
static int
watch(pid_t pid, int wfd, int rfd, const char *json, long long timeout,
      char *why, size_t cap)
{
	char out[240] = "", buf[512];
	size_t have = 0, len = strlen(json), off = 0;
	double end = mono() + (double)timeout;
	int st = 0, done = 0, killed = 0;

	(void)fcntl(wfd, F_SETFL, O_NONBLOCK);
	while (!done) {
		struct pollfd pf[2];
		int nf = 0, ms = (int)((end - mono()) * 1000);

		if (ms <= 0) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (rfd >= 0)
			pf[nf++] = (struct pollfd){rfd, POLLIN, 0};
		if (wfd >= 0)
			pf[nf++] = (struct pollfd){wfd, POLLOUT, 0};
		if (!nf) {
			if (waitpid(pid, &st, WNOHANG) == pid)
				done = 2;
			else
				(void)poll(NULL, 0, ms < 20 ? ms : 20);
			continue;
		}
		if (poll(pf, (nfds_t)nf, ms) < 0 && errno != EINTR)
			break;
		if (rfd >= 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(rfd, buf, sizeof(buf));

			if (r <= 0) {
				close(rfd);
				rfd = -1;
			} else if (have + 1 < sizeof(out)) {
				size_t c = (size_t)r < sizeof(out) - 1 - have
					       ? (size_t)r
					       : sizeof(out) - 1 - have;
				memcpy(out + have, buf, c);
				have += c;
				out[have] = '\0';
			}
		}
		if (wfd >= 0 && (pf[nf - 1].revents & (POLLOUT | POLLERR |
						       POLLHUP))) {
			ssize_t w = write(wfd, json + off, len - off);

			if (w > 0)
				off += (size_t)w;
			if (w < 0 || off == len) {
				close(wfd);
				wfd = -1;
			}
		}
	}
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	if (done != 2 && waitpid(pid, &st, 0) < 0)
		st = 0x7f00;
	out[strcspn(out, "\r\n")] = '\0';
	if (killed)
		snprintf(why, cap, "killed after %llds (its time limit)%s%s",
			 timeout, out[0] ? ": " : "", out);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	else if (WIFEXITED(st))
		snprintf(why, cap, "exit %d%s%s", WEXITSTATUS(st),
			 out[0] ? ": " : "", out);
	else
		snprintf(why, cap, "killed by signal %d",
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

int
eg_alerts_run_command(const char *command, long long timeout,
		      const char *json, const char *const *strip, char *why,
		      size_t cap)
{
	struct sigaction ign, old;
	int in[2], out[2], r;
	pid_t pid;

	if (pipe(in) < 0)
		goto fail;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		goto fail;
	}
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		child(command, in[0], out[1], strip);
	}
	close(in[0]);
	close(out[1]);
	/* a hook that does not read its input must not kill us */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	r = watch(pid, in[1], out[0], json, timeout, why, cap);
	sigaction(SIGPIPE, &old, NULL);
	return r;
fail:
	snprintf(why, cap, "cannot start it: %s", strerror(errno));
	return -1;
}

/* --- changes ---------------------------------------------------------- */

/* Tell the hook and the log of a change just recorded. */
static void
tell(judge *j, const eg_alert_event *ev)
{
	const eg_profile *p = j->p;
	const char *strip[3] = {p->secret_envs[0], p->secret_envs[1], NULL};
	char why[300] = "";
	const char *hook = "none";
	eg_buf b;

	if (!strip[0]) {
		strip[0] = strip[1];
		strip[1] = NULL;
	}
	if (p->sla.alert_command || j->o->hook) {
		int r;

		eg_buf_init(&b, 64 * 1024);
		if (eg_alerts_json(&b, ev, p->name)) {
			r = -1;
			snprintf(why, sizeof(why), "out of memory");
		} else if (j->o->hook) {
			r = j->o->hook(j->o->hook_ud, p, b.data, why,
				       sizeof(why));
		} else {
			r = eg_alerts_run_command(p->sla.alert_command,
						  p->sla.alert_timeout, b.data,
						  strip, why, sizeof(why));
		}
		eg_buf_free(&b);
		hook = r ? "failed" : "ok";
		if (!j->rc)
			j->rc = eg_ledger_alert_hooked(j->l, ev->id, hook,
						       r ? why : NULL, ev->at,
						       j->e);
	}
	j->events++;
	if (j->o->log)
		j->o->log(j->o->log_ud, ev, hook, why);
}

/*
 * Bring the alert (rule, subject) to level ("warning", "alert", or NULL:
 * clear it when open).  episodic: a cleared one is never raised again.
 */
static void
settle(judge *j, const char *rule, const char *subject, const char *level,
       const char *what, const char *message, int episodic)
{
	eg_alert_event ev;
	found f;

	if (j->rc)
		return;
	memset(&f, 0, sizeof(f));
	j->rc = eg_ledger_alert_find(j->l, j->p->id, rule, subject, !episodic,
				     on_found, &f, j->e);
	if (j->rc)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.partner = j->p->id;
	ev.rule = rule;
	ev.subject = subject;
	ev.message = message;
	ev.what = what;
	ev.at = j->o->now;
	if (!level) {
		if (!f.have || f.cleared_at != EG_LEDGER_NONE)
			return;
		ev.event = "cleared";
		ev.level = f.level;
		ev.id = f.id;
		ev.raised_at = f.raised_at;
		j->rc = eg_ledger_alert_clear(j->l, f.id, message, ev.at, j->e);
	} else if (!f.have) {
		ev.event = ev.level = level;
		ev.raised_at = ev.at;
		j->rc = eg_ledger_alert_raise(j->l, j->p->id, rule, subject,
					      level, message, ev.at, &ev.id,
					      j->e);
	} else if (f.cleared_at == EG_LEDGER_NONE &&
		   !strcmp(f.level, "warning") && !strcmp(level, "alert")) {
		ev.event = ev.level = "alert";
		ev.id = f.id;
		ev.raised_at = f.raised_at;
		j->rc = eg_ledger_alert_escalate(j->l, f.id, message, ev.at,
						 j->e);
	} else {
		return; /* raised already, or cleared for good */
	}
	if (!j->rc)
		tell(j, &ev);
}

/* --- the rules ----------------------------------------------------------- */

/* Open alerts of one rule: their subjects and when they were raised. */
typedef struct opens {
	const char *rule;
	size_t n;
	struct {
		char subject[96];
		int64_t raised_at;
	} a[16];
} opens;

static int
on_open(void *ud, const eg_ledger_alert *a)
{
	opens *o = ud;

	if (strcmp(a->rule, o->rule))
		return 0;
	snprintf(o->a[o->n].subject, sizeof(o->a[0].subject), "%s",
		 a->subject);
	o->a[o->n].raised_at = a->raised_at;
	return ++o->n == sizeof(o->a) / sizeof(o->a[0]);
}

static int64_t
arrivals(judge *j, const eg_sla_arrival *a, time_t from, time_t until)
{
	int64_t n = 0;

	if (!j->rc)
		j->rc = eg_ledger_sla_arrivals(j->l, j->p->id, a->set, a->name,
					       from, until, &n, j->e);
	return n;
}

/* A daily arrival: the last deadline (alert), the next one (warning),
 * and the periods with an open alert (cleared when it came late). */
static void
daily(judge *j, const eg_sla_arrival *a, const char *rule)
{
	const eg_sla *s = &j->p->sla;
	time_t now = j->o->now;
	char what[300], msg[600], dl[64];
	eg_sla_period pd;
	opens op;
	int64_t n, first = 0;
	size_t i;

	eg_sla_describe(s, a, what, sizeof(what));
	memset(&op, 0, sizeof(op));
	op.rule = rule;
	if (!j->rc)
		j->rc = eg_ledger_alerts_list(j->l, j->p->id, 1, 0, on_open,
					      &op, j->e);
	for (i = 0; i < op.n && !j->rc; i++) {
		/* the period the alert was raised for: ended by then, or
		 * the next one (a warning) */
		if (eg_sla_period_at(a, (time_t)op.a[i].raised_at, 1, &pd) ||
		    strcmp(pd.day, op.a[i].subject))
			if (eg_sla_period_at(a, (time_t)op.a[i].raised_at, 0,
					     &pd) ||
			    strcmp(pd.day, op.a[i].subject))
				continue;
		n = arrivals(j, a, pd.start, now + 1);
		if (n >= (int64_t)a->files) {
			snprintf(msg, sizeof(msg), "%lld file(s) arrived for "
				 "%s (expected: %s)", (long long)n, pd.day,
				 what);
			settle(j, rule, pd.day, NULL, what, msg, 1);
		}
	}
	if (!j->rc)
		j->rc = eg_ledger_sla_first_run(j->l, j->p->id, &first, j->e);
	if (!eg_sla_period_at(a, now, 1, &pd) && first &&
	    pd.deadline > (time_t)first &&
	    (n = arrivals(j, a, pd.start, pd.deadline)) < (int64_t)a->files) {
		eg_schedule_local(&a->due, pd.deadline, dl, sizeof(dl));
		snprintf(msg, sizeof(msg), "late: %lld of %u file(s) by %s "
			 "(expected: %s)", (long long)n, a->files, dl, what);
		settle(j, rule, pd.day, "alert", what, msg, 1);
	}
	if (!eg_sla_period_at(a, now, 0, &pd) &&
	    now >= pd.deadline - s->warn_before &&
	    (n = arrivals(j, a, pd.start, now + 1)) < (int64_t)a->files) {
		eg_schedule_local(&a->due, pd.deadline, dl, sizeof(dl));
		snprintf(msg, sizeof(msg), "due soon: %lld of %u file(s) so "
			 "far, due by %s (expected: %s)", (long long)n,
			 a->files, dl, what);
		settle(j, rule, pd.day, "warning", what, msg, 1);
	}
}

/* Each document we sent and its answer (an answer rule or an
 * acknowledgement we expect). */
typedef struct sent_rule {
	judge *j;
	const char *rule, *what, *answer, *sent; /* "945", "940" */
	long long within;
} sent_rule;

static int
on_sent(void *ud, const eg_ledger_sent_doc *d)
{
	sent_rule *r = ud;
	judge *j = r->j;
	time_t now = j->o->now, due = (time_t)(d->sent_at + r->within);
	char subject[96], msg[600], at[32], by[32];

	snprintf(subject, sizeof(subject), "%.40s %.40s", d->file_id,
		 d->control);
	utc((time_t)d->sent_at, at, sizeof(at));
	utc(due, by, sizeof(by));
	if (d->answered_at != EG_LEDGER_NONE) {
		snprintf(msg, sizeof(msg), "the %s came for the %s we sent at "
			 "%s (%s, file %s)", r->answer, r->sent, at,
			 d->control, d->file_id);
		settle(j, r->rule, subject, NULL, r->what, msg, 1);
		return j->rc != EG_OK;
	}
	snprintf(msg, sizeof(msg), "%s: no %s yet for the %s we sent at %s "
		 "(%s%s%s, file %s), due by %s",
		 now >= due ? "overdue" : "due soon", r->answer, r->sent, at,
		 d->control, d->key[0] ? ", key " : "", d->key, d->file_id, by);
	if (now >= due)
		settle(j, r->rule, subject, "alert", r->what, msg, 1);
	else if (now >= due - j->p->sla.warn_before)
		settle(j, r->rule, subject, "warning", r->what, msg, 1);
	return j->rc != EG_OK;
}

/* A figure against its warning and alert levels (-1: not set). */
static void
threshold(judge *j, const char *rule, long long v, long long warn,
	  long long alert, const char *what, const char *msg)
{
	const char *level = NULL;

	if (alert >= 0 && v >= alert)
		level = "alert";
	else if (warn >= 0 && v >= warn)
		level = "warning";
	settle(j, rule, "", level, what, msg, 0);
}

/* "quarantine depth: a warning at 5 file(s), an alert at 20 file(s)" */
static void
levels(char *dst, size_t cap, const char *what, long long warn,
       long long alert, const char *unit)
{
	char w[64] = "", a[64] = "";

	if (warn >= 0)
		snprintf(w, sizeof(w), "a warning at %lld%s", warn, unit);
	if (alert >= 0)
		snprintf(a, sizeof(a), "an alert at %lld%s", alert, unit);
	snprintf(dst, cap, "%s: %s%s%s", what, w, w[0] && a[0] ? ", " : "",
		 a);
}

static void
quarantine(judge *j)
{
	const eg_sla *s = &j->p->sla;
	time_t now = j->o->now;
	eg_ledger_partner_day d;
	char what[200], msg[400];
	int64_t files = 0, rej = 0;

	if (s->depth_warn >= 0 || s->depth_alert >= 0) {
		if (!j->rc)
			j->rc = eg_ledger_partner_day_get(j->l, j->p->id, now,
							  &d, j->e);
		if (j->rc)
			return;
		levels(what, sizeof(what), "quarantine depth", s->depth_warn,
		       s->depth_alert, " file(s)");
		snprintf(msg, sizeof(msg), "%lld file(s) waiting in "
			 "quarantine", (long long)d.quarantine);
		threshold(j, "quarantine-depth", d.quarantine, s->depth_warn,
			  s->depth_alert, what, msg);
	}
	if ((s->rate_warn < 0 && s->rate_alert < 0) || j->rc)
		return;
	j->rc = eg_ledger_sla_rate(j->l, j->p->id, now - s->rate_window,
				   now + 1, &files, &rej, j->e);
	if (j->rc)
		return;
	levels(what, sizeof(what), "share of the files received in the "
	       "rate window that went to quarantine", s->rate_warn,
	       s->rate_alert, "%");
	snprintf(msg, sizeof(msg), "%lld%% of the %lld file(s) received in "
		 "the last %lldh went to quarantine (%lld)",
		 files ? (long long)(rej * 100 / files) : 0, (long long)files,
		 s->rate_window / 3600, (long long)rej);
	threshold(j, "quarantine-rate",
		  files >= s->rate_min_files ? rej * 100 / files : 0,
		  s->rate_warn, s->rate_alert, what, msg);
}

eg_err
eg_alerts_check(eg_ledger *l, const eg_profile *p, const eg_alerts_opts *o,
		unsigned *events, eg_error *e)
{
	const eg_sla *s = &p->sla;
	judge j = {l, p, o, 0, EG_OK, e};
	char rule[32], what[300];
	size_t i;

	for (i = 0; i < s->narr && !j.rc; i++) {
		const eg_sla_arrival *a = &s->arr[i];
		sent_rule r;

		snprintf(rule, sizeof(rule), "arrival:%zu", i + 1);
		if (a->err[0])
			continue; /* partner check says why */
		if (a->by[0]) {
			daily(&j, a, rule);
			continue;
		}
		eg_sla_describe(s, a, what, sizeof(what));
		r = (sent_rule){&j, rule, what, a->set, a->after_sent,
				a->within};
		j.rc = eg_ledger_sla_answers(l, p->id, a->after_sent, a->set,
					     o->now - a->within - LOOKBACK,
					     on_sent, &r, e);
	}
	for (i = 0; i < s->nack && !j.rc; i++) {
		sent_rule r;

		snprintf(rule, sizeof(rule), "ack:%s", s->ack[i].type);
		snprintf(what, sizeof(what), "a %s for each interchange we "
			 "send, within %lldh%02lldm", s->ack[i].type,
			 s->ack[i].within / 3600, s->ack[i].within % 3600 / 60);
		r = (sent_rule){&j, rule, what, s->ack[i].type, "interchange",
				s->ack[i].within};
		j.rc = eg_ledger_sla_acks(l, p->id, s->ack[i].type,
					  o->now - s->ack[i].within - LOOKBACK,
					  on_sent, &r, e);
	}
	if (!j.rc)
		quarantine(&j);
	if (events)
		*events += j.events;
	return j.rc;
}
