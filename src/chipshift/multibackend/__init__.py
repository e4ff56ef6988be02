"""Code written for several accelerator backends: what names a backend, which code already dispatches over
backends (kept as written by ``migrate`` and not reported by ``scan``), and whether a tree is a multi-backend
package (library mode).

Shared by the scan and migrate engines, so that what one reports and the other rewrites cannot drift apart; it
imports no engine.
"""

from chipshift.multibackend.library import dispatch_folders, is_multi_backend_package
from chipshift.multibackend.names import (
    CUDA,
    INDEXED_CUDA_TEMPLATE,
    INTEGER_DEVICE_NAME,
    backend_of_path_part,
    backends_in,
    names_cuda_only,
    other_backends_in_text,
    words,
)
from chipshift.multibackend.regions import Region, holds, in_characters, kept_regions

__all__ = [
    "CUDA",
    "INDEXED_CUDA_TEMPLATE",
    "INTEGER_DEVICE_NAME",
    "Region",
    "backend_of_path_part",
    "backends_in",
    "dispatch_folders",
    "holds",
    "in_characters",
    "is_multi_backend_package",
    "kept_regions",
    "names_cuda_only",
    "other_backends_in_text",
    "words",
]
