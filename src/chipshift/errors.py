"""Errors a user can act on. The CLI prints them as one clear message and exits with their code; never a traceback."""

from __future__ import annotations


class ChipshiftError(Exception):
    """A failure caused by the user's input or environment, with a message that says what to do."""

    exit_code: int = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code


class UnknownIdError(ChipshiftError):
    """An id (chip, system, model, rule) that the catalog does not know, with the closest known ids."""

    def __init__(self, kind: str, wanted: str, suggestions: list[str], *, hint: str | None = None) -> None:
        closest = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} '{wanted}'." + (f" {hint}" if hint else closest))
        self.kind = kind
        self.wanted = wanted
        self.suggestions = suggestions


class InputFileError(ChipshiftError):
    """A file that cannot be read or does not validate, located by file, line and field where known."""

    def __init__(self, path: str, problem: str, *, line: int | None = None, field: str | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        what = f" field '{field}':" if field else ""
        super().__init__(f"{where}:{what} {problem}")
        self.path = path
        self.problem = problem
        self.line = line
        self.field = field


class NotSupportedYetError(ChipshiftError):
    """A feature that chipshift does not have yet. Said plainly rather than faked."""

    exit_code = 3

    def __init__(self, feature: str) -> None:
        super().__init__(f"not supported yet: {feature}")
