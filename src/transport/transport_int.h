/*
 * transport_int.h - small helpers the transports share (transport.c).
 */
#ifndef EDIGATE_TRANSPORT_INT_H
#define EDIGATE_TRANSPORT_INT_H

/* s is neither NULL nor empty. */
int eg_tp_is_set(const char *s);
/* s ends in suffix (a NULL or empty suffix never matches). */
int eg_tp_ends_with(const char *s, const char *suffix);
/* The part after the last '/'. */
const char *eg_tp_base_name(const char *path);
/* path when absolute, else home/path (malloc'd); NULL when out of
 * memory. */
char *eg_tp_resolve(const char *home, const char *path);

#endif
