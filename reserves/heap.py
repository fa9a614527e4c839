"""Pausing Python's cyclic garbage collector while a round's million-object structures are built.

A million-lot build makes some ten million objects (rows, lots, column values), none of them in a reference cycle,
so reference counting frees all of them. The cyclic collector does not know that: every ~700 allocations it runs,
and its older generations rescan the whole growing heap, which roughly doubled the CPU time of reading the ledger
and of reconciling (bench/merkle.py `cli_build`). Pausing it around those phases changes no result."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disables the cyclic collector for the block and restores its previous state afterwards (nesting is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """`fn` runs with the cyclic collector paused."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
