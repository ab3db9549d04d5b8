/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * action_table.c - the actions a locality serves: name -> id -> handler.
 *
 * An id is the name's 64-bit FNV-1a hash, so every locality computes the
 * same ids without an exchange (Mercury hashes names to 32 bits and cannot
 * tell two names apart when they collide; with 64 bits a collision is
 * unlikely, and when one happens it is refused here, at registration,
 * naming both).  Open addressing on the id, grown at half full.
 */
#include <stdlib.h>
#include <string.h>

#include "action.h"

floc_action_t floc_act_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 0x100000001b3ull;
    return h ? h : 1;   /* 0 marks an empty entry */
}

static act_entry_t *find(act_entry_t *table, size_t cap, floc_action_t id)
{
    for (size_t i = (size_t)(id ^ id >> 32) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (table[i].id == id || table[i].id == 0)
            return &table[i];
}

const act_entry_t *floc_act_lookup(const struct floc_actions *a, floc_action_t id)
{
    if (!a->table_cap)
        return NULL;
    const act_entry_t *e = find(a->table, a->table_cap, id);
    return e->id ? e : NULL;
}

static int grow(struct floc_actions *a)
{
    size_t cap = a->table_cap ? 2 * a->table_cap : 64;
    act_entry_t *t = calloc(cap, sizeof *t);
    if (!t)
        return FLOC_ERR_NOMEM;
    for (size_t i = 0; i < a->table_cap; i++)
        if (a->table[i].id)
            *find(t, cap, a->table[i].id) = a->table[i];
    free(a->table);
    a->table = t;
    a->table_cap = cap;
    return 0;
}

int floc_act_table_add(struct floc_actions *a, const char *name, floc_action_fn fn, void *user,
                       floc_action_t *id)
{
    return floc_act_table_put(a, floc_act_hash(name), name, fn, user, id);
}

int floc_act_table_put(struct floc_actions *a, floc_action_t h, const char *name,
                       floc_action_fn fn, void *user, floc_action_t *id)
{
    const act_entry_t *old = floc_act_lookup(a, h);
    if (old && strcmp(old->name, name) == 0)
        return FLOC_INVALID("floc_action_register: '%s' is registered already", name);
    if (old)
        return FLOC_INVALID("floc_action_register: '%s' has the id of '%s' (0x%016llx): "
                            "rename one of them",
                            name, old->name, (unsigned long long)h);
    if (2 * (a->table_n + 1) > a->table_cap && grow(a))
        return FLOC_ERR_NOMEM;
    char *copy = strdup(name);
    if (!copy)
        return FLOC_ERR_NOMEM;
    *find(a->table, a->table_cap, h) = (act_entry_t){h, copy, fn, user};
    a->table_n++;
    *id = h;
    return 0;
}

void floc_act_table_fini(struct floc_actions *a)
{
    for (size_t i = 0; i < a->table_cap; i++)
        free(a->table[i].name);
    free(a->table);
    a->table = NULL;
    a->table_cap = a->table_n = 0;
}
