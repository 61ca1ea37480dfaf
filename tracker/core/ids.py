"""The shape of a case id, in a module light enough for the fastest commands to import."""

import re

CASE_ID_RE = re.compile(r"\A[A-Z]{2,5}-[0-9]{4}-[0-9]{4,}\Z")  # ASCII digits only, no trailing newline
