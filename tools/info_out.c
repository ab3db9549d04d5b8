/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * info_out.c - floc-info's JSON writer (text is plain printf).
 */
#include <stdio.h>

#include "info.h"

int json;
int json_first = 1;   /* no comma before the next member */

void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

void json_key(const char *key)
{
    if (!json_first)
        putchar(',');
    json_first = 0;
    if (key) {
        json_str(key);
        putchar(':');
    }
}

void json_open(const char *key, char bracket)
{
    json_key(key);
    putchar(bracket);
    json_first = 1;
}

void json_close(char bracket)
{
    putchar(bracket);
    json_first = 0;
}

void json_kv(const char *key, const char *value)
{
    json_key(key);
    json_str(value);
}

void json_kv_int(const char *key, long long v)
{
    json_key(key);
    printf("%lld", v);
}

