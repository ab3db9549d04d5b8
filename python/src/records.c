/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * records.c - call records.  Before (or with) its data, every collective
 * of the Python layer exchanges what each locality called it with: the
 * operation, root, reduction, element format and shape.  Every locality
 * then compares all of them, so a program whose localities disagree
 * (another shape, dtype, op or root; another collective) gets
 * floc.MismatchError on every locality, naming the difference, instead
 * of garbage or a hang.  Small collectives carry the record in the same
 * exchange as their data (coll.c), so the check costs no extra message.
 */
#include "pyfloc.h"

#include <stdio.h>
#include <string.h>

const char *const pyfloc_kind_names[PYFLOC_KINDS] = {
    "all_reduce", "broadcast", "gather", "scatter", "barrier", "all_gather", "reduce",
    "all_to_all", "reduce_scatter", "scan", "exscan"};

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

void pyfloc_record_fill(pyfloc_record_t *r, pyfloc_kind_t kind, const pyfloc_buf_t *b, int root,
                        int op)
{
    memset(r, 0, sizeof *r);
    r->kind = (uint16_t)kind;
    r->root = root;
    r->op = op;
    if (!b)
        return;
    const Py_buffer *v = &b->view;
    r->ndim = (uint16_t)v->ndim;
    r->itemsize = (uint32_t)b->itemsize;
    const char *f = v->format ? v->format : "B";
    if (*f == '@' || *f == '=')   /* native: the same as none */
        f++;
    size_t len = strlen(f);
    if (len < sizeof r->format)
        memcpy(r->format, f, len);
    else
        snprintf(r->format, sizeof r->format, "#%014llx",
                 (unsigned long long)(fnv1a(f, len, 0xcbf29ce484222325ull) >> 8));
    uint64_t rest = 0xcbf29ce484222325ull;
    for (int d = 0; d < v->ndim; d++) {
        const uint64_t n = (uint64_t)v->shape[d];
        if (d < 3)
            r->shape[d] = n;
        else
            rest = fnv1a(&n, sizeof n, rest);
    }
    r->rest = v->ndim > 3 ? rest : 0;
}

_Static_assert(sizeof(pyfloc_record_t) % 8 == 0, "the digest reads the record in words");

uint64_t pyfloc_record_digest(const pyfloc_record_t *r)
{
    /* a word at a time (8 multiplies, not 64: this runs on every small
     * collective); the record is filled from zero, so no stray padding */
    uint64_t w[sizeof *r / 8], h = 0xcbf29ce484222325ull;
    memcpy(w, r, sizeof w);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        h = (h ^ w[i]) * 0x100000001b3ull;
    return h ^ h >> 29;
}

/* numpy's name of a buffer format, where it has a common one */
static const char *type_name(const pyfloc_record_t *r, char *buf, size_t len)
{
    static const struct { char c; const char *s, *u; } ints[] = {
        {'b', "int", "uint"}, {'h', "int", "uint"}, {'i', "int", "uint"},
        {'l', "int", "uint"}, {'q', "int", "uint"}, {'n', "int", "uint"}};
    const char *f = r->format;
    if (*f == '<')
        f++;
    if (f[0] && !f[1]) {
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
            if (f[0] == ints[i].c || f[0] == ints[i].c - 32) {
                snprintf(buf, len, "%s%u", f[0] == ints[i].c ? ints[i].s : ints[i].u,
                         8 * r->itemsize);
                return buf;
            }
        }
        if (f[0] == 'f' || f[0] == 'd' || f[0] == 'e') {
            snprintf(buf, len, "float%u", 8 * r->itemsize);
            return buf;
        }
        if (f[0] == '?')
            return "bool";
    }
    snprintf(buf, len, "'%s' (%u bytes)", r->format, r->itemsize);
    return buf;
}

void pyfloc_record_describe(const pyfloc_record_t *r, char *buf, size_t len)
{
    char shape[96] = "(", tn[48];
    size_t n = 1;
    for (int d = 0; d < r->ndim && n < sizeof shape; d++) {
        if (d >= 3) {
            n += (size_t)snprintf(shape + n, sizeof shape - n, ", ...");
            break;
        }
        n += (size_t)snprintf(shape + n, sizeof shape - n, "%s%llu", d ? ", " : "",
                              (unsigned long long)r->shape[d]);
    }
    if (n < sizeof shape)
        snprintf(shape + n, sizeof shape - n, r->ndim == 1 ? ",)" : ")");
    snprintf(buf, len, "shape %s %s", shape, type_name(r, tn, sizeof tn));
}

/* the first difference between record a (locality k) and b (this one's) */
static int differ(const pyfloc_record_t *a, const pyfloc_record_t *b, int how, char *what,
                  size_t len)
{
    if (a->kind != b->kind) {
        snprintf(what, len, "it called %s, this locality %s",
                 a->kind < PYFLOC_KINDS ? pyfloc_kind_names[a->kind] : "?",
                 b->kind < PYFLOC_KINDS ? pyfloc_kind_names[b->kind] : "?");
        return 1;
    }
    if (a->root != b->root) {
        snprintf(what, len, "root %d there, %d here", (int)a->root, (int)b->root);
        return 1;
    }
    if (how == PYFLOC_AGREE_ROOT_ONLY)
        return 0;
    if (a->op != b->op) {
        snprintf(what, len, "op '%s' there, '%s' here", pyfloc_op_name((floc_op_t)a->op),
                 pyfloc_op_name((floc_op_t)b->op));
        return 1;
    }
    pyfloc_record_t x = *a, y = *b;
    if (how == PYFLOC_AGREE_ROWS_FREE)
        x.shape[0] = y.shape[0] = 0;   /* blocks of any length; ndim 0 is one row */
    if (how == PYFLOC_AGREE_ROWS_FREE && (x.ndim == 0 || y.ndim == 0) && x.ndim + y.ndim == 1)
        x.ndim = y.ndim = 1;
    if (memcmp(&x, &y, sizeof x) != 0) {
        char da[160], db[160];
        pyfloc_record_describe(a, da, sizeof da);
        pyfloc_record_describe(b, db, sizeof db);
        snprintf(what, len, "%s there, %s here%s", da, db,
                 how == PYFLOC_AGREE_ROWS_FREE ? " (only the first dimension may differ)" : "");
        return 1;
    }
    return 0;
}

int pyfloc_records_agree(const pyfloc_record_t *all, int p, int me, int how)
{
    const pyfloc_record_t *mine = &all[me];
    char what[400];
    for (int k = 0; k < p; k++) {
        if (k == me || !differ(&all[k], mine, how, what, sizeof what))
            continue;
        pyfloc_raise_msg(FLOC_ERR_MISMATCH, "%s: the localities called it differently: "
                         "locality %d: %s (this is locality %d)",
                         mine->kind < PYFLOC_KINDS ? pyfloc_kind_names[mine->kind] : "?", k,
                         what, me);
        return -1;
    }
    return 0;
}
