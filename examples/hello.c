/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hello.c - every locality says who it is.
 *
 *   floc-run -n 4 ./hello
 */
#include <floc.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    floc_ctx_t *ctx;
    int rc = floc_init(&argc, &argv, NULL, &ctx);
    if (rc) {
        fprintf(stderr, "floc_init: %s\n", floc_strerror(rc));
        return 1;
    }
    printf("hello from locality %d of %d (node %d of %d, local rank %d of %d, provider %s)\n",
           floc_locality_id(ctx), floc_num_localities(ctx), floc_node_id(ctx), floc_num_nodes(ctx),
           floc_local_rank(ctx), floc_local_size(ctx), floc_provider_name(ctx));
    fflush(stdout);
    rc = floc_finalize(ctx);
    if (rc) {
        fprintf(stderr, "floc_finalize: %s\n", floc_strerror(rc));
        return 1;
    }
    return 0;
}
