/* datetime.c — validating Date/DateTime text and writing its canonical form
 * (see datetime.h). */
#include "datetime.h"

#include <assert.h>
#include <string.h>

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    while (n-- > 0)
        v = v * 10 + (*s++ - '0');
    return v;
}

/* "YYYY-MM-DD" with a real day of that month (year 1..9999). */
static int valid_date(const char *s, size_t n)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return 0;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* "HH:MM" at s, a valid time of day. */
static int valid_hhmm(const char *s)
{
    return digits(s, 2) && s[2] == ':' && digits(s + 3, 2) && num(s, 2) <= 23 &&
           num(s + 3, 2) <= 59;
}

const char *orm_datetime_forms(orm_type_kind kind)
{
    return kind == ORM_T_DATE ? "YYYY-MM-DD"
                              : "YYYY-MM-DD HH:MM:SS[.ffffff], YYYY-MM-DD HH:MM or YYYY-MM-DD; "
                                "'T' may replace the space";
}

int orm_datetime_canon(orm_type_kind kind, const char *s, size_t n, char *out)
{
    assert(kind == ORM_T_DATE || kind == ORM_T_DATETIME);
    if (!s || n < 10 || n >= ORM_DATETIME_MAX || !valid_date(s, 10)) return -1;
    if (kind == ORM_T_DATE) {
        if (n != 10) return -1;
        memcpy(out, s, 10);
        out[10] = '\0';
        return 10;
    }
    memcpy(out, s, 10);
    if (n == 10) { /* a date: its midnight */
        memcpy(out + 10, " 00:00:00", 10);
        return 19;
    }
    if ((s[10] != ' ' && s[10] != 'T') || n < 16 || !valid_hhmm(s + 11)) return -1;
    out[10] = ' ';
    memcpy(out + 11, s + 11, 5);
    if (n == 16) { /* no seconds */
        memcpy(out + 16, ":00", 4);
        return 19;
    }
    if (n < 19 || s[16] != ':' || !digits(s + 17, 2) || num(s + 17, 2) > 59) return -1;
    memcpy(out + 16, s + 16, 3);
    if (n == 19) {
        out[19] = '\0';
        return 19;
    }
    if (s[19] != '.' || n < 21 || n > 26 || !digits(s + 20, n - 20)) return -1;
    memcpy(out + 19, s + 19, n - 19);
    out[n] = '\0';
    return (int)n;
}
