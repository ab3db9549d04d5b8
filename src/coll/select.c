/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * select.c - the algorithm table (algs.h) and the rules that choose from
 * it.
 *
 * FLOC_<COLL>_ALGO=<name> forces an algorithm (checked at floc_init); one
 * that cannot run where the call runs (its flags say why) gives way to
 * the rules, on every locality alike, with a warning.  Otherwise the
 * rules below pick by message size (bytes per locality), locality count
 * and node count.  The thresholds come from `perf/tune.sh -n "2 3 4" -m
 * 8:4194304 -i 100` on the development machine (2 cores, shm, Debian 12,
 * 2026-11-24); docs/coll.md has the tables.  In short (us, 2 / 3 / 4
 * localities):
 *
 * allreduce  recursive doubling vs ring vs Rabenseifner: 8 B 0.9/7.1/11.4
 *   vs 1.6/11.0/23.8 vs 2.1/13.1/16.4; 64 KiB 18/57/88 vs 19/61/100 vs
 *   25/68/83; 256 KiB 63/178/263 vs 61/166/195 vs 74/157/186; 1 MiB
 *   159/491/634 vs 159/427/425 vs 146/447/475; 4 MiB 966/3671/5078 vs
 *   601/2249/2551 vs 736/3047/2881.  Recursive doubling below 64 KiB
 *   (256 KiB on 2, where the ring's only gain is pipelining); then
 *   Rabenseifner (lg p messages) up to 512 KiB; then the pipelined ring.
 *   On 2 localities (which, since the node segment's pipeline took the
 *   single-node jobs, means 2 nodes) Rabenseifner up to 8 MiB:
 *   tcp;ofi_rxm between 2 namespace hosts, median of 100 calls, 3
 *   rounds, Rabenseifner vs ring: 512 KiB 209-229 vs 211-331, 1 MiB
 *   301-682 vs 682-874, 4 MiB 2423-2522 vs 2448-2890, 16 MiB 12198-13053
 *   vs 11626-12274 (the ring's chunks overlap the reduction with the
 *   transfer there).
 * reduce  ring reduce-scatter + gather from 2 MiB: 2 / 4 localities,
 *   binomial vs ring: 1 MiB 136 vs 245 / 396 vs 436; 2 MiB 282 vs 275 /
 *   1298 vs 1082; 4 MiB 843 vs 699 / 3987 vs 3453.
 * bcast  the binomial tree wins within a node at every size up to
 *   1 MiB (1 MiB: 97/207/234 vs 560/239/257); scatter + allgather moves
 *   2n instead of n lg p through a locality, which pays across nodes:
 *   chosen from 512 KiB on 3 or more localities on 2 or more nodes.
 * gather / scatter  binomial for blocks up to 1 KiB on 4 or more
 *   localities (8 B: 0.66 vs 0.92 direct; on 2-3 the direct exchange
 *   has no root bottleneck yet), direct above; gather of 1 MiB blocks
 *   and more on 4 or more: one-sided writes into the root's vector
 *   (1 MiB 290 vs 310, 4 MiB 2065 vs 2368).  One-sided scatter never
 *   won (4 MiB on 4: 2423 vs 1559): the root's reads are served one by one.
 * allgather  Bruck for blocks up to 1 KiB on 4 or more (8 B 9.2 vs 11.3
 *   ring), the ring above (1 MiB on 4: 626 vs 766 recursive doubling).
 *   On 2 localities by process_vm_readv from 32 KiB blocks, CMA vs the
 *   pipeline vs Open MPI (CMA too): 16 KiB 3.6 vs 3.0-3.3 vs 4.0; 64 KiB
 *   7.8-8.2 vs 10.5-10.7 vs 8.1-8.5; 1 MiB 103-116 vs 136-146 vs
 *   104-115.  On 3 and 4 (2 cores) the pipeline wins at every size
 *   (1 MiB on 3: 329 vs 416): p readers of p blocks each.
 *
 * In single-node jobs the node segment comes first: the small
 * algorithms up to the sizes below, then the pipelined area for
 * broadcast, allreduce, reduce and allgather at every larger size
 * (docs/coll.md): it beat every fabric algorithm from 16 KiB to 16 MiB
 * on 2, 3 and 4 localities.  From perf/floc_coll_bench, node segment vs
 * fabric, us, 2 / 4 localities on 2 cores: allreduce 64 KiB 16 vs 21 /
 * 105 vs 93, 32 KiB on 4 30 vs 54; broadcast 16 KiB 2.4 vs 3.5, 32 KiB
 * 4.8 vs 4.6 on 2; reduce 64 KiB 8.1 vs 17.5 / 18.3 vs 40.5.  Gather,
 * scatter, allgather, alltoall and reduce_scatter copy every block in
 * and out, so the fabric (or the pipeline) takes over sooner; blocks,
 * same runs, 2026-11-25: gather 32 KiB 3.9 vs 6.7 / 9.2 vs 20.7, 64 KiB
 * 7.8 vs 8.6 / 15.8 vs 31.9; scatter 16 KiB 2.4 vs 3.8 / 9.4 vs 15.1,
 * 32 KiB 6.5 vs 5.2 / 21.3 vs 20.4; alltoall 16 KiB 3.3 vs 4.4 / 18.3 vs
 * 54.8, 32 KiB 6.3 vs 5.7 / 91 vs 69; allgather on 2 vs the pipeline
 * 8 KiB 1.6 vs 1.9, 16 KiB 3.0 vs 2.8; reduce_scatter on 2, 4 KiB 3.0 vs
 * 3.4 (ring).  In jobs of several nodes the hierarchical algorithms come
 * first (hier.c), their leaders' step chosen by the same rules among the
 * fabric algorithms.  Reduce on 2 localities by CMA (the root reads the
 * other's untouched buffer; through the segment it is copied in and read
 * out every time), 2026-12-07, floc / Open MPI / segment us: 64 KiB 6.0-6.7
 * / 4.6-4.8 / 7.5-8.3, 128 KiB 11.4-12.0 / 8.2 / 22.4-22.6 (pipeline),
 * 512 KiB 50-53 / 32 / 57.5 (pipeline), 1 MiB 162 / 111-122 / 133
 * (pipeline): from 32 KiB to 512 KiB.  Hierarchical gather up to 1 KiB
 * blocks: 2 namespace hosts x 3 (tcp over veths), us, hierarchical vs
 * direct: 32 B 7.8 vs 10.4, 1 KiB 8.6 vs 11.9, 2 KiB 16.9 vs 13.5, 8 KiB
 * 38 vs 32; scatter, the same layout: 16-128 B 6.4-6.7 vs 11.6-12.6,
 * 256 B-1 KiB even.
 * Broadcast by CMA on 2 localities from 16 KiB (the reader pulls the
 * root's buffer; the pipeline copies twice; from 32 KiB the root pushes
 * half of it meanwhile, bcast_cma.c: 1 MiB 20.3-21.6 us against 51.2
 * pulled by the reader alone and 53.0 for Open MPI, 64 KiB 2.6-2.7
 * against 3.6 and 3.8, 16 MiB 707-740 against 1383 and 1447; the
 * figures that follow are before), 2026-12-07, cma / pipeline
 * / Open MPI us: 16 KiB 1.42 / 1.64 / 1.50, 64 KiB 3.24 / 6.96 / 3.28,
 * 256 KiB 9.7 / 23.1 / 9.2, 1 MiB 51 / 82 / 47-49, 4 MiB 311 / 354 /
 * 299-307; on 3 and 4 (2 cores) neither wins everywhere (256 KiB on 4:
 * 41.7 vs 38.8; 1 MiB on 3: 107 vs 163).  Two later runs (same day, us,
 * cma / pipeline / Open MPI, two runs of floc) put CMA ahead on 3 from
 * 32 KiB to 1 MiB (32 KiB 5.2-5.2 / 6.2-6.3 / 5.6; 256 KiB 29.5-34.7 /
 * 38.2-38.5 / 19.8; 1 MiB 127-150 / 157-160 / 109; 2 MiB 343 / 317-327)
 * and on 4 from 64 KiB to 512 KiB (64 KiB 11.3-12.8 / 14.7-14.9 / 11.2;
 * 256 KiB 41.1-43.1 / 43.9-44.0 / 40.5; 512 KiB 86.7-92.2 / 85.6-94.8;
 * 1 MiB 205-206 / 166-200): those ranges take it, the pipeline keeps
 * the rest.  Unknown beyond 4 (this machine): many readers pinning the
 * root's pages at once may not scale.
 * Alltoall by CMA (each reads its block from every other's sbuf), same
 * day, cma / the rules before / Open MPI, us, 2 / 3 / 4 localities: 8 KiB
 * 1.35 / 2.06 / 2.16 on 2, 6.2 / 5.0 (shm) / 7.7 on 3; 16 KiB 1.9 / 3.6
 * / 2.6, 7.6 / 8.6 / 9.0, 11.0 / 12.8 / 18.1; 64 KiB 4.6 / 8.1 / 5.5,
 * 16.3 / 25.7 / 17.6, 23.9 / 48.2 / 41.5; 1 MiB 141 / 140 / 137, 473 /
 * 505 / 456, 627 / 785 / 646: from 8 KiB on 2, 16 KiB beyond.
 * Allreduce by CMA on 2 (each folds a half, into both outputs), same
 * day, us, cma / before (segment, pipeline) / Open MPI: 8 KiB 2.1-2.2 /
 * 2.5 / 5.2, 64 KiB 5.1-5.6 / 12.4-15.1 / 14.8-15.2, 128 KiB 8.7 / 28.8 /
 * 20.0-20.6, 1 MiB 78-80 / 177 / 166-169, 16 MiB 1671-1715 / 2985-3015 /
 * 2709-2735: from 8 KiB (4 KiB: 2.0 vs 1.6 through the segment).  On
 * floc_mem_alloc buffers the same call folds straight from them: 1 MiB
 * 42, 16 MiB 1042.
 * Reduce by CMA on 2 with both localities folding a half (the other
 * writes its half into the root's output with process_vm_writev), same
 * day, us, cma / before (the root alone, or the pipeline) / Open MPI:
 * 32 KiB 2.9-3.0 / 3.3 / 2.7, 64 KiB 4.45-4.5 / 5.8-6.1 / 4.4-4.6, 256
 * KiB 14.0-14.2 / 21.1 / 14.9-15.0, 1 MiB 58-65 / 126-127 (pipeline) /
 * 104-114, 16 MiB 1281 / 2251-2271 / 2245-2312: from 32 KiB at every
 * size (16 KiB: 2.0 against the segment's 1.8).
 * Allgather by CMA on 2 from 4 KiB blocks (was 32 KiB), same day, cma /
 * segment or pipeline / Open MPI, us: 4 KiB 1.23-1.32 / 1.44-1.47, 8 KiB
 * 1.30-1.37 / 2.39 / 1.93, 16 KiB 1.86-1.91 / 3.3-3.5 / 2.41-2.45, 32 KiB
 * 2.73-2.77 / 6.7-6.8 / 3.32-3.36.
 * Scatter and gather by CMA (each reader pulls its block from the root's
 * vector; the root pulls each block from its owner), 2026-12-07, us,
 * cma / the rules before / Open MPI, 2 / 3 / 4 localities: scatter 16
 * KiB 1.26 / 2.10 / 1.55 on 2 (3.88 / 3.53 segment / 5.76 on 3), 32 KiB
 * 1.97 / 4.43 / 2.97, 4.81 / 6.74 / 6.92, 6.34 / 10.8 / 6.98; 256 KiB
 * 9.0 / 15.2 / 14.5, 16.2 / 30.6 / 25.8, 20.4 / 43.7 / 40.5; 4 MiB 299 /
 * 553 / 516, 555 / 554 / 843, 625 / 851 / 1168: from 16 KiB on 2, 32
 * KiB beyond.  Gather 16 KiB 1.75 / 1.91 / 1.85 on 2, 64 KiB 4.37 /
 * 5.53 / 4.41, 8.49 / 8.96 / 13.8, 12.1 / 11.0 / 12.2; 128 KiB 7.7 / 8.0
 * / 8.0, 13.6 / 16.7 / 15.3, 19.2 / 23.3 / 20.5; 4 MiB 563 / 565 / 569,
 * 885 / 895 / 885, 1158 / 1180 (rma) / 1253: from 16 KiB on 2, 128 KiB
 * beyond (the root reads alone, so its gain comes later).  Then the
 * gather became pushes (each locality writes its block into the root's
 * rbuf, rooted_cma.c), same day, us, push / the root pulling / Open MPI:
 * on 2 16 KiB 1.44-1.51 / 1.75 / 1.90, 64 KiB 3.32-3.35 / 4.37 / 4.49,
 * 1 MiB 50-55 / 135 / 135-152, 4 MiB 324-350 / 563 / 569-613; on 3 (2
 * cores) 32 KiB 5.2 / 5.5 / 5.1, 64 KiB 6.8 / 8.5 / 14.4; on 4 64 KiB
 * 12.8-13.3 / 12.1 / 11.7, 256 KiB 20.8-32.5 / 50.4 / 59.4: from 64 KiB
 * on 3 or more.
 * Reduce_scatter by CMA (each reads its block of every other's vector
 * and folds them, 64 KiB at a time), same day, us, cma / the rules
 * before (the ring) / Open MPI, 2 / 3 / 4 localities: 8 KiB 1.49 / 9.23
 * / 3.96, 6.53 / 18.8 / 13.2, 10.5 / 31.5 / 20.7; 64 KiB 5.9 / 20.7 /
 * 34.6, 22.2 / 46.9 / 140, 32.6 / 85.2 / 273; 4 MiB 619 / 1363 / 3667,
 * 1988 / 4498 / 10291, 2674 / 6442 / 18797: from 8 KiB (4 KiB: 1.36
 * against the segment's 1.31).
 * At scale, projected (this machine has no such job to measure):
 * perf/project.sh -m hdr-ib -n 1, docs/scale.md, one locality a node as
 * the hierarchical algorithms' leaders are.  Allreduce on 3 nodes or
 * more: Rabenseifner from 32 KiB (was 64) and up to 8 MiB (the ring took
 * over from 512 KiB); recursive doubling vs Rabenseifner vs ring, us: 64
 * nodes 32 KiB 42.9 / 25.4 / 173, 1024 nodes 32 KiB 71.4 / 36.0 / 2669;
 * Rabenseifner vs ring: 4 nodes 512 KiB 121 vs 126, 8 MiB 1793 vs 1828;
 * 64 nodes 512 KiB 172 vs 310, 8 MiB 2370 vs 2655 (the ring's 2(p - 1)
 * steps of alpha against Rabenseifner's 2 lg p); and so also below 64
 * bytes a locality, where a flat job keeps recursive doubling (4096 nodes
 * 64 KiB 141 vs 53.6 us, 16384 nodes 165 vs 80.4: the rule of bytes a
 * locality had sent these back to recursive doubling while 32 KiB took
 * Rabenseifner, 41.3 us at 4096).  Only with one locality
 * a node: for a flat job of 8 a node the projections moved with the
 * model of the node's link (Rabenseifner's halving crosses it 8 at once;
 * 4 x 8 localities, 2 MiB: 1836 vs ring 897 us before the simulator
 * stopped queueing messages behind later-posted ones, 858 vs 897 after),
 * so the flat rules stay as measured.  Broadcast across nodes:
 * scatter-allgather only where each locality's block is 8 KiB or more
 * (its allgather has p steps), binomial vs scatter-allgather: 64 nodes
 * 512 KiB 122 vs 106; 256 nodes 512 KiB 170 vs 365, 2 MiB 629 vs 430;
 * 1024 nodes 2 MiB 809 vs 1467, 8 MiB 3170 vs 1730.
 * Hierarchical alltoall up to 8 KiB blocks (and vectors of 256 KiB: the
 * leaders hold four per locality of their node): 2 namespace hosts x 3,
 * us, hierarchical vs pairwise: 16-64 B 17 vs 79-82, 1 KiB 28 vs 71,
 * 4 KiB 68 vs 83, 8 KiB 86 vs 143.
 */
#include <pthread.h>
#include <string.h>

#include "algs.h"
#include "engine.h"
#include "select.h"
#include "../core/ctx.h"
#include "../node/node.h"

#define FLOC_COLL_ALG_ROW_(kind, name, fn, flags) {FLOC_COLL_##kind, name, fn, flags},
static const floc_coll_alg_t algs[] = {FLOC_COLL_ALGS(FLOC_COLL_ALG_ROW_)};
#undef FLOC_COLL_ALG_ROW_

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define ANY 0

/* kind, algorithm, pmin, pmax, bmin, bmax, per_rank_below, min_nodes
 * [, one_per_node] */
static const floc_coll_rule_t rules[] = {
    {FLOC_COLL_BARRIER, "hierarchical", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_BARRIER, "shm", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_BARRIER, "dissemination", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_BCAST, "hierarchical", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_BCAST, "cma", ANY, 2, 16 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_BCAST, "cma", 3, 3, 32 * KiB, 1 * MiB, ANY, 0, 0},
    {FLOC_COLL_BCAST, "cma", 4, 4, 64 * KiB, 512 * KiB, ANY, 0, 0},
    {FLOC_COLL_BCAST, "shm", ANY, ANY, 0, 16 * KiB, ANY, 0, 0},
    {FLOC_COLL_BCAST, "shm_pipeline", ANY, ANY, 16 * KiB + 1, ANY, ANY, 0, 0},
    {FLOC_COLL_BCAST, "binomial", ANY, ANY, 0, ANY, 8 * KiB, 2, 0},
    {FLOC_COLL_BCAST, "scatter_allgather", 3, ANY, 512 * KiB, ANY, ANY, 2, 0},
    {FLOC_COLL_BCAST, "binomial", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_ALLREDUCE, "hierarchical", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "cma", ANY, 2, 8 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "shm", ANY, 2, 0, 64 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "shm", 3, ANY, 0, 32 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "shm_pipeline", ANY, 2, 64 * KiB + 1, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "shm_pipeline", 3, ANY, 32 * KiB + 1, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "recursive_doubling", ANY, 2, 0, 256 * KiB - 1, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "recursive_doubling", 3, ANY, 0, 32 * KiB - 1, ANY, 3, 0},
    {FLOC_COLL_ALLREDUCE, "rabenseifner", 3, ANY, 0, 64 * KiB - 1, ANY, 3, 0},
    {FLOC_COLL_ALLREDUCE, "recursive_doubling", 3, ANY, 0, 64 * KiB - 1, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "rabenseifner", 3, ANY, 0, 8 * MiB, ANY, 3, 1},
    {FLOC_COLL_ALLREDUCE, "recursive_doubling", ANY, ANY, 0, ANY, 64, 0, 0},
    {FLOC_COLL_ALLREDUCE, "rabenseifner", ANY, 2, 0, 8 * MiB, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "ring", ANY, 2, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "rabenseifner", ANY, ANY, 0, 512 * KiB - 1, ANY, 0, 0},
    {FLOC_COLL_ALLREDUCE, "ring", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_REDUCE, "hierarchical", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_REDUCE, "cma", ANY, 2, 32 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_REDUCE, "shm", ANY, ANY, 0, 64 * KiB, ANY, 0, 0},
    {FLOC_COLL_REDUCE, "shm_pipeline", ANY, ANY, 64 * KiB + 1, ANY, ANY, 0, 0},
    {FLOC_COLL_REDUCE, "ring", ANY, ANY, 2 * MiB, ANY, ANY, 0, 0},
    {FLOC_COLL_REDUCE, "binomial", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_GATHER, "hierarchical", ANY, ANY, 0, 1 * KiB, ANY, 0, 0},
    {FLOC_COLL_GATHER, "cma", ANY, 2, 16 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_GATHER, "cma", 3, ANY, 64 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_GATHER, "shm", ANY, ANY, 0, 64 * KiB, ANY, 0, 0},
    {FLOC_COLL_GATHER, "binomial", 4, ANY, 0, 1 * KiB, ANY, 0, 0},
    {FLOC_COLL_GATHER, "rma", 4, ANY, 1 * MiB, ANY, ANY, 0, 0},
    {FLOC_COLL_GATHER, "direct", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_SCATTER, "hierarchical", ANY, ANY, 0, 1 * KiB, ANY, 0, 0},
    {FLOC_COLL_SCATTER, "cma", ANY, 2, 16 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_SCATTER, "cma", 3, ANY, 32 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_SCATTER, "shm", ANY, ANY, 0, 16 * KiB, ANY, 0, 0},
    {FLOC_COLL_SCATTER, "binomial", 4, ANY, 0, 1 * KiB, ANY, 0, 0},
    {FLOC_COLL_SCATTER, "direct", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_ALLGATHER, "hierarchical", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLGATHER, "cma", ANY, 2, 4 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLGATHER, "shm", ANY, ANY, 0, 8 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLGATHER, "shm_pipeline", ANY, ANY, 8 * KiB + 1, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLGATHER, "bruck", 4, ANY, 0, 1 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLGATHER, "ring", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_ALLTOALL, "hierarchical", ANY, ANY, 0, 8 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLTOALL, "cma", ANY, 2, 8 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLTOALL, "cma", 3, ANY, 16 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLTOALL, "shm", ANY, ANY, 0, 16 * KiB, ANY, 0, 0},
    {FLOC_COLL_ALLTOALL, "pairwise", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_REDUCE_SCATTER, "cma", ANY, ANY, 8 * KiB, ANY, ANY, 0, 0},
    {FLOC_COLL_REDUCE_SCATTER, "shm", ANY, ANY, 0, 4 * KiB, ANY, 0, 0},
    {FLOC_COLL_REDUCE_SCATTER, "ring", ANY, ANY, 0, ANY, ANY, 0, 0},

    {FLOC_COLL_SCAN, "recursive_doubling", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_EXSCAN, "recursive_doubling", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_GATHERV, "direct", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_SCATTERV, "direct", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLGATHERV, "ring", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLTOALLV, "cma", ANY, ANY, 0, ANY, ANY, 0, 0},
    {FLOC_COLL_ALLTOALLV, "pairwise", ANY, ANY, 0, ANY, ANY, 0, 0},
};

static const char *const kind_names[FLOC_COLL_KINDS] = {
    "barrier", "bcast", "allreduce", "reduce", "gather", "scatter", "allgather", "alltoall",
    "reduce_scatter", "scan", "exscan", "gatherv", "scatterv", "allgatherv", "alltoallv"};

const floc_coll_alg_t *floc_coll_algs(size_t *n)
{
    *n = sizeof algs / sizeof algs[0];
    return algs;
}

const floc_coll_rule_t *floc_coll_rules(size_t *n)
{
    *n = sizeof rules / sizeof rules[0];
    return rules;
}

const char *floc_coll_kind_name(floc_coll_kind_t kind)
{
    return (unsigned)kind < FLOC_COLL_KINDS ? kind_names[kind] : "unknown";
}

const floc_coll_alg_t *floc_coll_alg_find(floc_coll_kind_t kind, const char *name)
{
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].kind == kind && strcmp(algs[i].name, name) == 0)
            return &algs[i];
    return NULL;
}

/* What a FLOC_ALG_SEGMENT algorithm keeps in its buffer: scatter,
 * alltoall and reduce_scatter put a whole vector of p blocks there. */
static size_t held(floc_coll_kind_t kind, size_t bytes, int p)
{
    const int whole = kind == FLOC_COLL_SCATTER || kind == FLOC_COLL_ALLTOALL ||
                      kind == FLOC_COLL_REDUCE_SCATTER;
    return whole ? bytes * (size_t)p : bytes;
}

int floc_coll_alg_usable(const floc_coll_alg_t *a, const floc_coll_where_t *w, size_t bytes)
{
    if ((a->flags & FLOC_ALG_SEGMENT) &&
        !(w->segment && held(a->kind, bytes, w->p) <= w->segment_max))
        return 0;
    if ((a->flags & FLOC_ALG_PIPELINE) && (!w->segment || w->no_pipeline))
        return 0;
    if ((a->flags & FLOC_ALG_CMA) && !(w->segment && w->cma))
        return 0;
    if ((a->flags & FLOC_ALG_HIER) && !(w->hier && bytes <= w->hier_max))
        return 0;
    if ((a->flags & FLOC_ALG_HIER_SMALL) && bytes > w->hier_small_max)
        return 0;
    if ((a->flags & FLOC_ALG_HIER_VECTORS) && bytes * (size_t)w->p > FLOC_HIER_VECTOR_MAX)
        return 0;
    if ((a->flags & FLOC_ALG_FEW) && w->p > FLOC_ALG_FEW_MAX)
        return 0;
    return 1;
}

/* The rules with their algorithms resolved, grouped by kind (built once:
 * a choice is on the path of every collective call, a string search per
 * rule cost ~0.1 us of an 8-byte allreduce). */
#define NRULES (sizeof rules / sizeof rules[0])
static struct {
    const floc_coll_alg_t *alg[NRULES];
    unsigned short order[NRULES];            /* rule indices, kind by kind */
    unsigned short first[FLOC_COLL_KINDS + 1];
} resolved;
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

static void resolve(void)
{
    unsigned short n = 0;
    for (int k = 0; k < FLOC_COLL_KINDS; k++) {
        resolved.first[k] = n;
        for (size_t i = 0; i < NRULES; i++)
            if (rules[i].kind == (floc_coll_kind_t)k) {
                resolved.alg[i] = floc_coll_alg_find(rules[i].kind, rules[i].alg);
                resolved.order[n++] = (unsigned short)i;
            }
    }
    resolved.first[FLOC_COLL_KINDS] = n;
}

static int rule_holds(const floc_coll_rule_t *r, const floc_coll_where_t *w, size_t bytes)
{
    return (r->pmin == ANY || w->p >= r->pmin) && (r->pmax == ANY || w->p <= r->pmax) &&
           bytes >= r->bmin && (r->bmax == ANY || bytes <= r->bmax) &&
           (r->per_rank_below == ANY || bytes / (size_t)w->p < r->per_rank_below) &&
           (r->min_nodes == ANY || w->nodes >= r->min_nodes) &&
           (!r->one_per_node || w->p <= w->nodes);
}

const floc_coll_alg_t *floc_coll_choose(const floc_coll_where_t *w, floc_coll_kind_t kind,
                                        size_t bytes, int fabric_only)
{
    if ((unsigned)kind >= FLOC_COLL_KINDS)
        return NULL;
    pthread_once(&resolve_once, resolve);
    for (unsigned j = resolved.first[kind]; j < resolved.first[kind + 1]; j++) {
        const unsigned i = resolved.order[j];
        const floc_coll_alg_t *a = resolved.alg[i];
        if (!a || !rule_holds(&rules[i], w, bytes) ||
            (fabric_only && (a->flags & (FLOC_ALG_SHM | FLOC_ALG_HIER))))
            continue;
        if (floc_coll_alg_usable(a, w, bytes))
            return a;
    }
    return NULL; /* only with a broken table: the unit test checks every kind ends in a catch-all */
}

static const floc_coll_alg_t *select_uncached(floc_coll_state_t *cs, floc_coll_kind_t kind,
                                             size_t bytes)
{
    const floc_coll_alg_t *forced = cs->forced[kind];
    if (forced) {
        if (floc_coll_alg_usable(forced, &cs->where, bytes))
            return forced;
        if (!(cs->forced_warned & (1u << kind))) {
            cs->forced_warned |= 1u << kind;
            FLOC_WARN(FLOC_LOG_COLL, "%s=%s cannot run here (%s): the rules choose",
                      floc_config_algo_var((int)kind), forced->name,
                      forced->flags & FLOC_ALG_HIER
                          ? "not a job of several nodes with node segments"
                      : forced->flags & FLOC_ALG_SHM ? "no single-node segment for this size"
                                                     : "too large");
        }
    }
    return floc_coll_choose(&cs->where, kind, bytes, 0);
}

const floc_coll_alg_t *floc_coll_select(floc_ctx_t *ctx, floc_coll_kind_t kind, size_t bytes)
{
    floc_coll_state_t *cs = ctx->coll;
    if (cs->last[kind].alg && cs->last[kind].bytes == bytes)
        return cs->last[kind].alg;
    const floc_coll_alg_t *a = select_uncached(cs, kind, bytes);
    cs->last[kind].bytes = bytes;
    cs->last[kind].alg = a;
    return a;
}

const floc_coll_alg_t *floc_coll_select_fabric(const floc_ctx_t *ctx, floc_coll_kind_t kind,
                                               size_t bytes, int p)
{
    floc_coll_where_t w = ctx->coll->where;
    w.p = p;
    return floc_coll_choose(&w, kind, bytes, 1);
}

/*
 * A node phase of a hierarchical collective, through the context's
 * segment: the segment's small algorithm while the rules would take it
 * on this node (and its buffers hold the message), else the pipelined
 * one; NULL if the segment has neither for it (a team's group segment
 * has no pipelined area: the fabric then).  The localities of one node
 * agree: the same size, the same segment.
 */
const floc_coll_alg_t *floc_coll_select_node(const floc_ctx_t *ctx, floc_coll_kind_t kind,
                                             size_t bytes)
{
    const floc_node_t *n = ctx->coll->seg;
    const floc_coll_where_t w = {.p = n->p, .nodes = 1, .segment = 1, .segment_max = n->max,
                                 .no_pipeline = !n->pipe_off};
    const floc_coll_alg_t *a = floc_coll_choose(&w, kind, bytes, 0);
    if (a && (a->flags & FLOC_ALG_SHM))
        return a;
    if (w.no_pipeline)
        return NULL;
    /* past the small algorithm's sizes: the pipeline, or the small one
     * where its buffers hold the call (a scatter or alltoall whose p
     * blocks do not fit one must not be handed to it: it wrote past its
     * buffer, into the next locality's slot; the fabric then) */
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].kind == kind && (algs[i].flags & FLOC_ALG_PIPELINE) &&
            floc_coll_alg_usable(&algs[i], &w, bytes))
            return &algs[i];
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
        if (algs[i].kind == kind && (algs[i].flags & FLOC_ALG_SEGMENT) &&
            floc_coll_alg_usable(&algs[i], &w, bytes))
            return &algs[i];
    return NULL;
}

/* the kind a collective's public name ("allreduce", "broadcast" or "bcast") is */
static int kind_of(const char *collective)
{
    if (collective && strcmp(collective, "broadcast") == 0)
        return FLOC_COLL_BCAST;
    for (int k = 0; collective && k < FLOC_COLL_KINDS; k++)
        if (strcmp(collective, kind_names[k]) == 0)
            return k;
    return -1;
}

static int introspect_check(const floc_ctx_t *ctx, const char *collective, const char **name,
                            const char *func, int *kind)
{
    int ret = floc_ctx_check(ctx, func);
    if (ret)
        return ret;
    if (!name)
        return floc_log_invalid(func, "%s: name (output) is NULL", func);
    if ((*kind = kind_of(collective)) < 0)
        return floc_log_invalid(func, "%s: \"%s\" is not a collective (allreduce, bcast, ...)",
                                func, collective ? collective : "(null)");
    return 0;
}

int floc_coll_algorithm(floc_ctx_t *ctx, const char *collective, size_t bytes, const char **name)
{
    int kind, ret = introspect_check(ctx, collective, name, "floc_coll_algorithm", &kind);
    if (ret)
        return ret;
    const floc_coll_alg_t *a = ctx->size > 1 ? floc_coll_select(ctx, kind, bytes) : NULL;
    *name = a ? a->name : "none";
    return 0;
}

int floc_coll_last_algorithm(floc_ctx_t *ctx, const char *collective, const char **name)
{
    int kind, ret = introspect_check(ctx, collective, name, "floc_coll_last_algorithm", &kind);
    if (ret)
        return ret;
    const floc_coll_alg_t *a = ctx->coll->ran[kind];
    *name = a ? a->name : "none";
    return 0;
}
