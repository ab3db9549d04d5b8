/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * grid_teams.c - teams on a 2-D grid of localities (docs/teams.md): the
 * localities form rows x cols (2 rows for an even count), each row and
 * each column is a team (floc_split), and a value is summed along the
 * row and down the column, then over both, checked against the sums
 * computed here from the grid itself.
 *
 *   floc-run -n 4 ./grid_teams
 */
#include <floc.h>
#include <inttypes.h>
#include <stdio.h>

#define CHECK(call)                                                               \
    do {                                                                          \
        int rc_ = (call);                                                         \
        if (rc_) {                                                                \
            fprintf(stderr, "%s: %s\n", #call, floc_strerror(rc_));               \
            return 1;                                                             \
        }                                                                         \
    } while (0)

int main(int argc, char **argv)
{
    floc_ctx_t *world, *row, *col;
    CHECK(floc_init(&argc, &argv, NULL, &world));
    const int me = floc_locality_id(world), n = floc_num_localities(world);
    const int rows = n % 2 ? 1 : 2, cols = n / rows, r = me / cols, c = me % cols;

    /* my row, ranked by column; my column, ranked by row */
    CHECK(floc_split(world, r, c, &row));
    CHECK(floc_split(world, c, r, &col));

    /* every locality holds 100 * row + column */
    const int64_t mine = 100 * r + c;
    int64_t along_row, down_col, total;
    CHECK(floc_allreduce(row, &mine, &along_row, 1, FLOC_INT64, FLOC_SUM));
    CHECK(floc_allreduce(col, &mine, &down_col, 1, FLOC_INT64, FLOC_SUM));
    /* the column sums of my row, summed along it: the whole grid */
    CHECK(floc_allreduce(row, &down_col, &total, 1, FLOC_INT64, FLOC_SUM));

    int64_t want_row = 0, want_col = 0, want_total = 0;
    for (int q = 0; q < cols; q++)
        want_row += 100 * r + q;
    for (int q = 0; q < rows; q++)
        want_col += 100 * q + c;
    for (int q = 0; q < n; q++)
        want_total += 100 * (q / cols) + q % cols;
    const int ok = along_row == want_row && down_col == want_col && total == want_total;
    printf("locality %d = (row %d, column %d), rank %d of its row and %d of its column: "
           "row sum %" PRId64 ", column sum %" PRId64 ", grid sum %" PRId64 ": %s\n",
           me, r, c, floc_locality_id(row), floc_locality_id(col), along_row, down_col, total,
           ok ? "ok" : "WRONG");

    CHECK(floc_team_free(col));
    CHECK(floc_team_free(row));
    CHECK(floc_finalize(world));
    return ok ? 0 : 1;
}
