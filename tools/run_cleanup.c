/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_cleanup.c - nothing of the job outlives it: floc-run's private
 * PMIx directory, and the shared-memory files that localities killed
 * before they could close their endpoints leave in /dev/shm.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

void run_remove_tmpdir(void)
{
    if (job.tmpdir[0])
        nftw(job.tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    job.tmpdir[0] = '\0';
}

/*
 * libfabric's shm provider keeps a file in /dev/shm per endpoint, named
 * after the endpoint's name, which floc derives from the namespace
 * ("floc.<nspace>.<rank>"); a locality killed before closing it leaves it
 * behind.  So does one killed while it made a node segment or a team's
 * group segment ("floc-<uid>-<nspace>-...", src/node/segment.c: unlinked
 * as soon as every locality mapped it).  Remove this job's, and only this
 * job's.
 */
void run_remove_shm_leftovers(void)
{
    char prefix[PMIX_MAX_NSLEN + 16], seg[PMIX_MAX_NSLEN + 32];
    snprintf(prefix, sizeof prefix, "floc.%s.", job.nspace);
    int n = snprintf(seg, sizeof seg, "floc-%u-", (unsigned)getuid());
    for (const char *c = job.nspace; *c && (size_t)n + 2 < sizeof seg; c++)
        seg[n++] = (*c == '/' || *c == ' ') ? '_' : *c;
    seg[n++] = '-';
    seg[n] = '\0';
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 ||
            strncmp(e->d_name, seg, strlen(seg)) == 0) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
            unlink(path);
        }
    }
    closedir(d);
}
