/* Java regular expressions (java.util.regex, as Kafka Connect's transforms
 * and predicates use them) on PCRE2: the syntax users write in
 * RegexRouter, TopicNameMatches and ByLogicalTableRouter configs. What
 * differs from Java is listed in regex.c. */
#ifndef SL_TX_REGEX_H
#define SL_TX_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sl_regex sl_regex_t;

/* Compiles pattern; NULL with err saying what is wrong and where. */
sl_regex_t *sl_regex_new(const char *pattern, char *err, size_t err_size);

/* Whether the whole of s matches (Matcher.matches()). */
bool sl_regex_matches(const sl_regex_t *re, const char *s, size_t len);

/* s with the first match (all matches when all) replaced by replacement,
 * which may refer to groups as $n and ${name} and escape with a backslash,
 * as Matcher.replaceFirst / replaceAll; malloc()ed and NUL-terminated, its
 * length in *out_len. NULL with err when the replacement names a group the
 * pattern does not have (Java throws then). s unchanged (copied) when
 * nothing matches. */
char *sl_regex_replace(const sl_regex_t *re, const char *s, size_t len, const char *replacement,
		       bool all, size_t *out_len, char *err, size_t err_size);

void sl_regex_free(sl_regex_t *re);

#endif
