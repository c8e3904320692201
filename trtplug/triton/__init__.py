"""Triton Inference Server model repositories for TensorRT models that use trtplug plugins:
`write_repository` lays one out, `check_repository` checks one as far as it can be checked
without Triton or a GPU. See docs/triton.md for how Triton loads plugin libraries."""
from __future__ import annotations

from .check import Finding, RepositoryReport, check_repository
from .layout import backend_config, server_commands, split_plugins
from .repository import WrittenRepository, write_repository

__all__ = ["Finding", "RepositoryReport", "WrittenRepository", "backend_config", "check_repository",
           "server_commands", "split_plugins", "write_repository"]
