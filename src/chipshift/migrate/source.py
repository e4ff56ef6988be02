"""Migrate one Python source text."""

from __future__ import annotations

import ast

import libcst as cst

from chipshift.migrate.codemods import MigrationState, choose_device_name, may_need_migration, migrate_module
from chipshift.migrate.outcome import SourceMigration
from chipshift.migrate.target import MigrationTarget


def migrate_source(
    source: str,
    target: MigrationTarget,
    *,
    mark: bool = False,
    library: bool = False,
    module_path: str = "",
    default_backend: bool = False,
) -> SourceMigration:
    """Migrate one Python source; raises ``libcst.ParserSyntaxError`` (or ``SyntaxError``) on invalid Python.

    ``library``: port it as part of a multi-backend library (:mod:`chipshift.multibackend.library`);
    ``module_path``: its path in the tree (``pkg/cuda_accelerator.py``), which library mode looks at;
    ``default_backend``: in library mode, the module is the default backend's beside per-backend folders (DeepSpeed's
    ``op_builder/*.py`` beside ``op_builder/npu/``), kept whole as scan keeps it
    (:func:`chipshift.multibackend.dispatch_folders`).

    A source without any text a rewrite looks for (``cuda``, ``nccl``, ``pin_memory``, CUDA-only libraries) is only
    checked with :func:`ast.parse` and returned unchanged: most files of a repository are like that, and LibCST's
    parse and metadata cost ten times more.
    """
    if not may_need_migration(source):
        try:
            ast.parse(source)
        except ValueError as error:  # null bytes, on Python 3.11
            raise SyntaxError(str(error)) from None
        return SourceMigration(source, source, (), ())
    module = cst.parse_module(source)
    state = MigrationState(
        target=target,
        device_name=choose_device_name(module, target, library=library),
        mark=mark,
        library=library,
        module_path=module_path,
        default_backend=default_backend,
    )
    module = migrate_module(module, state)
    return SourceMigration(source, module.code, tuple(state.changes), tuple(state.manual))
