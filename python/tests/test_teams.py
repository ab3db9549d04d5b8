# SPDX-License-Identifier: BSD-3-Clause
"""Teams (floc.split, dup, split_node): collectives on sub-groups, their
results against numpy computed from the members' locality ids, the
team= argument and the Team methods alike, misuse raised as exceptions."""

import numpy as np
import pytest

import floc
from conftest import every


def members(color_of, p):
    """the locality ids with each color, in order"""
    out = {}
    for k in range(p):
        out.setdefault(color_of(k), []).append(k)
    return out


def test_split_parity_collectives(me, p):
    color = me % 2
    team = floc.split(color)
    mine = members(lambda k: k % 2, p)[color]
    try:
        assert team.num_localities() == len(mine) and team.locality_id() == mine.index(me)
        assert [team.to_world(r) for r in range(len(mine))] == mine
        x = np.arange(5, dtype=np.int64) + 100 * me
        want = sum(np.arange(5, dtype=np.int64) + 100 * k for k in mine)
        a = team.all_reduce(x)
        b = floc.all_reduce(x, team=team)
        big = floc.all_reduce(np.full(40000, me, np.float64), op="max", team=team)
        ok = np.array_equal(a, want) and np.array_equal(b, want) and (big == max(mine)).all()
        # broadcast from the team's last rank, gather / all_gather / scatter
        root = len(mine) - 1
        got = team.broadcast(np.full(3, me, np.int32), root=root)
        ok &= (got == mine[root]).all()
        g = team.gather(np.full(me + 1, me, np.int16), root=0)
        if team.locality_id() == 0:
            ok &= [list(v) for v in g] == [[k] * (k + 1) for k in mine]
        ag = team.all_gather(np.array([me]))
        ok &= [int(v[0]) for v in ag] == mine
        s = team.scatter(np.arange(2 * len(mine)) if team.locality_id() == 0 else None)
        r = team.locality_id()
        ok &= list(s) == [2 * r, 2 * r + 1]
        ok &= int(team.scan(np.array([me]))[0]) == sum(mine[:r + 1])
        ex = team.exscan(np.array([me]))
        ok &= int(ex[0]) == sum(mine[:r])
        team.barrier()
        assert every(ok)
    finally:
        team.free()


def test_team_and_world_nonblocking_in_any_order(me, p):
    team = floc.split(me % 2)
    mine = members(lambda k: k % 2, p)[me % 2]
    x = np.array([me + 1.0])
    if me % 2:
        f1, f2 = team.iall_reduce(x), floc.iall_reduce(x)
    else:
        f2, f1 = floc.iall_reduce(x), team.iall_reduce(x)
    ok = f1.result()[0] == sum(k + 1 for k in mine) and f2.result()[0] == p * (p + 1) / 2
    team.free()
    assert every(ok)


def test_teams_of_teams_undefined_node_dup(me, p):
    team = floc.split(0 if me < (p + 1) // 2 else 1, key=-me)    # reversed order
    size = team.num_localities()
    ok = team.to_world(team.locality_id()) == me
    ok &= team.to_world(0) == max(k for k in range(p) if (k < (p + 1) // 2) == (me < (p + 1) // 2))
    sub = team.split(None if team.locality_id() == 0 else 1)
    if team.locality_id() == 0:
        ok &= sub is None
    else:
        ok &= sub.num_localities() == size - 1
        ok &= int(sub.all_reduce(np.array([1]))[0]) == size - 1
        sub.free()
    with floc.split_node() as node:
        ok &= node.num_localities() == floc.local_size()
        ok &= node.locality_id() == floc.local_rank()
    with floc.dup() as d:
        ok &= d.num_localities() == p and d.locality_id() == me
        ok &= int(d.all_reduce(np.array([me]))[0]) == p * (p - 1) // 2
    team.free()
    assert every(ok)


def test_team_misuse(me, p):
    # a bad color at one locality raises on every locality
    with pytest.raises(floc.FlocError):
        floc.split(-5 if me == p - 1 else 0)
    team = floc.dup()
    team.free()
    team.free()                 # twice: nothing
    with pytest.raises(ValueError, match="freed"):
        floc.all_reduce(np.ones(2), team=team)
    with pytest.raises(ValueError, match="freed"):
        team.locality_id()
    with pytest.raises(TypeError, match="floc.Team or None"):
        floc.all_reduce(np.ones(2), team=3)
    with floc.dup() as t:
        with pytest.raises(ValueError, match="rank"):
            t.to_world(p)
        # a mismatch within a team raises on each of its localities
        if p > 1:
            with pytest.raises(floc.MismatchError):
                t.all_reduce(np.ones(2 + (me == 0)))
    floc.barrier()


def test_distributed_array_on_a_team(me, p):
    """A DistributedArray spans its team: rows dealt over the team's
    localities, reductions over them, dropped ones collected on the team,
    a team with a live array refuses to be freed."""
    import gc
    team = floc.split(me % 2)
    mine = members(lambda k: k % 2, p)[me % 2]
    q, r = len(mine), team.locality_id()
    a = floc.zeros((10, 3), distribution="block", team=team)
    ok = a.team is team and a.locality_id == r
    rows = a.local_range
    first = r * (10 // q) + min(r, 10 % q)             # floc's block rule, on the team
    ok &= rows == range(first, first + 10 // q + (r < 10 % q))
    a.local[...] = np.arange(rows.start, rows.stop)[:, None] * 10 + np.arange(3)
    want = (np.arange(10)[:, None] * 10 + np.arange(3)).sum()
    ok &= a.sum() == want
    ok &= float(a[7, 2]) == 72.0                   # one-sided, from any member
    # reductions really are over the team: the other team's array differs
    b = floc.full((6,), float(me % 2 + 1), distribution="cyclic", team=team)
    ok &= b.sum() == 6.0 * (me % 2 + 1)
    c = b.redistribute("block")
    ok &= c.team is team and c.sum() == b.sum()
    # a live array keeps the team; dropped ones are collected by free()
    with pytest.raises(floc.FlocError):
        team.free()
    del a, b, c
    gc.collect()
    team.free()
    assert every(ok and not team.alive)
