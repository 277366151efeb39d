/* The service manager's notification protocol (sd_notify(3)) without
 * libsystemd: state lines sent as one datagram to the AF_UNIX socket named
 * by $NOTIFY_SOCKET, and a watchdog thread that pings it. Outside systemd
 * (no $NOTIFY_SOCKET) every call does nothing. */
#ifndef SL_SDNOTIFY_H
#define SL_SDNOTIFY_H

#include <stdint.h>

#include "sluice/util.h"

/* Sends state ("READY=1", "STOPPING=1", "STATUS=running 3 connectors",
 * several lines joined by '\n') to $NOTIFY_SOCKET: a path, or an abstract
 * socket name when it starts with '@'. Returns 1 when sent, 0 when there is
 * no socket to send to, -1 with errno when the socket is unusable (the
 * caller logs it; a service manager that cannot be told is not a reason to
 * stop). Thread safe: a socket of its own per call. */
int sl_sd_notify(const char *state);
/* sl_sd_notify of a formatted state. */
int sl_sd_notifyf(const char *fmt, ...) SL_PRINTF(1, 2);
/* "RELOADING=1" with the "MONOTONIC_USEC=<now>" that systemd 253's
 * Type=notify-reload asks for beside it; send "READY=1" when the reload is
 * over. Same returns as sl_sd_notify. */
int sl_sd_notify_reloading(void);

/* The ping interval the service manager asks for: half of $WATCHDOG_USEC,
 * in microseconds, when it is set to a positive number and
 * $WATCHDOG_PID is unset or this process's pid; else 0 (no watchdog). */
uint64_t sl_sd_watchdog_interval_us(void);
/* Starts the thread that sends "WATCHDOG=1" every
 * sl_sd_watchdog_interval_us() until sl_sd_watchdog_stop(). Returns 1 when
 * it started, 0 when no watchdog is asked for (or one runs already), -1
 * with errno when the thread cannot be made. Process-wide: there is one
 * service manager and one watchdog per process. */
int sl_sd_watchdog_start(void);
/* Stops the watchdog thread and waits for it; nothing when none runs. */
void sl_sd_watchdog_stop(void);

#endif
