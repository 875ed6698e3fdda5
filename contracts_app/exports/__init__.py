"""Exports for accounting and reporting (issue 21 item 6): the purchase list, a budget line's ledger and the
agreement list as CSV and as Excel, with the page's filters, permissions and scoping.

How the rows are chosen: never a second implementation of a page's filter. The export takes the statement
the page's query function pages (``purchases.queries.of_unit_statement``, ``budget.queries.commitments_statement``,
``agreements.queries.search_statement``) with the page's own filter form values; :mod:`.specs` selects the
export's columns on top of it (same FROM, WHERE and ORDER BY) and :mod:`.source` streams it in chunks
(``yield_per``).

The file formats (:mod:`.writer`), decided once for all three exports:

* **CSV is for Norwegian Excel**, which opens a double-clicked CSV with the system's list separator and decimal
  sign: **``;`` between fields, a decimal comma in amounts** (``12345,50``: two decimals, no thousands
  separator, which would make the amount text), CRLF line ends, and a **UTF-8 byte-order mark** so that Excel
  reads æ, ø and å. **Dates are ISO ``yyyy-mm-dd``**, which Excel and LibreOffice read as dates in every locale
  and which accounting systems import without guessing. The same convention whatever the user's language (the
  file is for the spreadsheet, which is Norwegian); only the column names and labels follow the language.
  A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) starts
  with an apostrophe, as OWASP advises (the public feed does the same).
* **Excel (.xlsx)**: amounts are numeric cells with the format ``#,##0.00`` (Excel shows them as "12 345,50"
  in Norway), whole numbers numeric cells, dates date cells (``yyyy-mm-dd``), text always text (an inline
  string, never a formula), a bold frozen header row. The SpreadsheetML is written by :mod:`.writer` itself
  and deflated into the zip row by row: openpyxl's write-only workbook was measured at 94 s for all the
  purchases of the national data set (its per-cell objects), against a floor of 15 s; openpyxl stays the
  reader that checks the files in the tests. The file goes to a spooled temporary file (on disk past a few
  megabytes) and is then sent in chunks: a zip is complete only at its end, and what is bounded is memory.
* Column names come from the translation catalogue: bokmål by default, English for English users.
* The CSV is streamed as it is read from the database. Every export is an audit event (``export.purchases``,
  ``export.budget_ledger``, ``export.agreements``) with the format, the filters and the number of rows.
* An invalid filter answers 400 with the field's message (the page would show the message and leave the
  filter out; a file must not silently hold more than was asked for). Nothing is recorded then.
"""
