"""The interface of scan report formats: plain data in, text out; the CLI decides where the text goes."""

from __future__ import annotations

from abc import ABC, abstractmethod

from chipshift.scan.model import ScanResult


class ScanWriter(ABC):
    """Turns a scan result into the text of one report format."""

    @abstractmethod
    def format(self, result: ScanResult) -> str:
        """The whole report as text."""
