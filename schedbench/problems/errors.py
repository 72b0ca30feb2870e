"""The one exception type for input a user can fix."""

from __future__ import annotations


class SchedbenchError(ValueError):
    """Bad user input: a malformed file, an unknown name, an impossible request.

    ``str(err)`` reads ``source:line: field: message`` with unknown parts left out, so the CLI can
    print it as one line.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field

    def located(self, *, source: str | None = None, line: int | None = None) -> SchedbenchError:
        """Return a copy that also names the file and line, keeping what is already known."""
        return SchedbenchError(
            self.message,
            source=self.source or source,
            line=self.line if self.line is not None else line,
            field=self.field,
        )

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source + (f":{self.line}" if self.line is not None else "") + ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"
