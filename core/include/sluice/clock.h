/* Monotonic and wall clocks in milliseconds, and sleeping. */
#ifndef SL_CLOCK_H
#define SL_CLOCK_H

#include <stdint.h>

int64_t sl_now_ms(void);       /* monotonic milliseconds */
int64_t sl_wallclock_ms(void); /* milliseconds since the Unix epoch */
void sl_sleep_ms(int64_t ms);

#endif
