"""chipshift: evidence for moving AI compute off export-controlled NVIDIA GPUs onto domestic accelerators.

Engines, one folder each: ``catalog`` (chips, systems, models, rules), ``perf`` (analytical LLM performance
model), ``scan`` (CUDA lock-in), ``migrate`` (syntax-tree ports), ``fleet`` (inventories and domestic ratio),
``decide`` (scored comparison), ``plan`` (multi-year MILP), ``report`` (HTML, JSON, Markdown) and a thin ``cli``.
"""

__version__ = "0.1.0"
