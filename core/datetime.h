/* datetime.h — the one text form Date and DateTime values take in ormsh:
 * "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS[.ffffff]". Values given in another
 * ISO-8601 form ('T' separator, no seconds, a bare date for a DateTime) are
 * rewritten to it before they are stored or compared, so the same instant
 * has the same text on every backend. */
#ifndef ORM_DATETIME_H
#define ORM_DATETIME_H

#include <stddef.h>
#include "schema.h"

#define ORM_DATETIME_MAX 27 /* "YYYY-MM-DD HH:MM:SS.ffffff" and its NUL */

/* The forms a value of kind (ORM_T_DATE or ORM_T_DATETIME) may take, for
 * error messages: a static string. */
const char *orm_datetime_forms(orm_type_kind kind);

/* Writes the canonical form of s (n bytes) for kind into out (at least
 * ORM_DATETIME_MAX bytes, NUL-terminated) and returns its length, or -1
 * when s is not a valid date/time of that kind (a real calendar day, hours
 * 0-23, minutes and seconds 0-59, 1 to 6 fraction digits). Accepted:
 *   Date:     YYYY-MM-DD
 *   DateTime: YYYY-MM-DD, YYYY-MM-DD HH:MM, YYYY-MM-DD HH:MM:SS[.f...]
 *             ('T' in place of the space too); a bare date is midnight. */
int orm_datetime_canon(orm_type_kind kind, const char *s, size_t n, char *out);

#endif
