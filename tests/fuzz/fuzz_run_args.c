/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_run_args.c - libFuzzer target for floc-run's command line: the
 * input, split at NUL bytes, is argv (after "floc-run").  Every command
 * line must be accepted or refused with a reason, never crash; when one
 * is accepted, the layout must hold (every locality on a host with a free
 * slot, in order) and the launch agent's words must expand.
 *
 *   build-fuzz/tests/fuzz_run_args -max_total_time=20 build-fuzz/corpus-args
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "run_args.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "floc-run";
    for (char *p = text; argc < MAX_ARGS + 1 && p <= text + size; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;

    run_opts_t o;
    char err[256];
    if (run_args_parse(argc, argv, &o, err, sizeof err) == 0 && !o.help && !o.version) {
        if (o.n < 1 || o.n > RUN_MAX_LOCALITIES || !o.argv || !o.argv[0])
            abort();
        int used[RUN_MAX_HOSTS] = {0}, last = 0;
        for (int r = 0; r < o.n && o.nhosts; r++) {
            int h = run_host_of(&o, r);
            if (h < last || h >= o.nhosts || ++used[h] > o.hosts[h].slots)
                abort();   /* out of order, or more localities than slots */
            last = h;
        }
        if (o.nhosts) {
            /* the agent's words, then exactly the program's arguments */
            char **words = run_agent_argv(&o, run_host_of(&o, o.n - 1));
            if (words) {
                size_t k = 0, nprog = 0;
                while (words[k])
                    k++;
                while (o.argv[nprog])
                    nprog++;
                if (k < nprog)
                    abort();
                for (size_t i = 0; i < nprog; i++)
                    if (words[k - nprog + i] != o.argv[i])
                        abort();
                for (size_t i = 0; i + nprog < k; i++)
                    if (!words[i][0] || strchr(words[i], ' '))
                        abort();   /* empty or unsplit agent word */
                free(words);
            }
        }
    } else if (!err[0] && !o.help && !o.version) {
        abort();   /* refused without a reason */
    }
    free(text);
    return 0;
}
