"""The Ibis backend of a store: Ibis's DuckDB backend that compiles each query once.

A metric builds its Ibis expression anew on every call, and Ibis turns it into SQL anew: at
100k events that compilation, not DuckDB, was most of a small metric's time (issue #15,
docs/benchmarks.md). The SQL of an expression depends only on the expression, never on the
data, so :class:`CompilingOnce` keeps the SQL of the expressions it has compiled, keyed by the
expression itself, and the next call with an equal expression skips Ibis's compiler.

Ibis expressions are immutable trees compared by structure (two expressions built the same
way, over the same table, with the same literal values, are equal and hash alike); Ibis
itself relies on that equality to merge equal subqueries while it compiles. Expressions over
an in-memory table (``ibis.memtable``: a fresh name every time) are not kept: they never come
back, and they would keep their data alive.

Before it runs a query, Ibis walks the expression three times looking for what must be
registered with DuckDB first (in-memory tables, Python UDFs, spatial functions, Arrow
readers); an expression found to need none of them is remembered and not walked again.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import duckdb
import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends.duckdb import Backend
from ibis.expr.operations.udf import InputType

#: How many compiled queries a store keeps (the least recently used go first): the metrics of
#: a report with their breakdowns and periods stay well below it.
CACHE_SIZE = 512


class CompilingOnce(Backend):
    """Ibis's DuckDB backend with a cache of compiled SQL (see the module's docstring)."""

    def _post_connect(self, extensions: Any = None) -> None:
        super()._post_connect(extensions)
        self._compiled: OrderedDict[tuple[ops.Node, Any], str] = OrderedDict()
        self._plain: OrderedDict[ops.Node, None] = OrderedDict()

    def _run_pre_execute_hooks(self, expr: ir.Expr) -> None:
        """Ibis's registrations before a query, skipped for an expression that needs none."""
        op = expr.op()
        if op in self._plain:
            _touch(self._plain, op)
            return
        super()._run_pre_execute_hooks(expr)
        if _needs_nothing(op, self._record_batch_readers_consumed):
            _keep(self._plain, op, None)

    def compile(
        self,
        expr: ir.Expr,
        /,
        *,
        limit: int | str | None = None,
        params: Mapping[ir.Expr, Any] | None = None,
        pretty: bool = False,
    ) -> str:
        """The SQL of ``expr``: from the cache when an equal expression was compiled before."""
        if params or pretty:  # bound parameters change the text: not kept
            return super().compile(expr, limit=limit, params=params, pretty=pretty)
        key = (expr.op(), limit)
        sql = self._compiled.get(key)
        if sql is not None:
            _touch(self._compiled, key)
            return sql
        sql = super().compile(expr, limit=limit)
        if not key[0].find(ops.InMemoryTable):
            _keep(self._compiled, key, sql)
        return sql


#: What Ibis's DuckDB backend registers before a query (``_run_pre_execute_hooks``): in-memory
#: tables, user-defined functions other than DuckDB's own (builtin), spatial functions.
_REGISTERED = (ops.InMemoryTable, ops.ScalarUDF, ops.GeoSpatialUnOp, ops.GeoSpatialBinOp)


def _needs_nothing(op: ops.Node, readers: Mapping[str, Any]) -> bool:
    """Whether running ``op`` registers nothing with DuckDB: no in-memory table, no UDF but
    DuckDB's own functions, no spatial function, no table read from an Arrow reader."""
    for node in op.find(_REGISTERED):
        if not isinstance(node, ops.ScalarUDF) or node.__input_type__ is not InputType.BUILTIN:
            return False
    return not any(t.name in readers for t in op.find(ops.PhysicalTable))


def _touch(cache: OrderedDict, key: Any) -> None:
    """Mark ``key`` as just used (gone already, if another thread dropped it: no matter)."""
    with contextlib.suppress(KeyError):
        cache.move_to_end(key)


def _keep(cache: OrderedDict, key: Any, value: Any) -> None:
    """Add to a cache of at most :data:`CACHE_SIZE` entries, the least recently used out."""
    cache[key] = value
    while len(cache) > CACHE_SIZE:
        with contextlib.suppress(KeyError):
            cache.popitem(last=False)


def backend_of(con: duckdb.DuckDBPyConnection) -> CompilingOnce:
    """The caching Ibis backend over an open DuckDB connection."""
    return CompilingOnce.from_connection(con)
