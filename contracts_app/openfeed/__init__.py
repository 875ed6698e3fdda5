"""The public free-seat feed (no login): ``/open/ledige-plasser`` as a page, ``.json`` and ``.csv``.

What is in it. Published capacity offers open to every public service (``Visibility.all_public``) whose
request deadline has not passed, whose course is active and that still have a seat a request could hold —
the same rule as the logged-in search (``capacity.queries.search``). Offers shown only to named organisations
are never in it. Per offer: course (title, kind), provider unit (name and its functional e-mail address, never
the offer's contact person, phone or notes), place (municipality number and name), CEFR level range, format,
period, request deadline, free seats and the price of one seat for the offer's period (NOK excluding VAT).
The three forms list the same offers in the same order (period start, price, id) for the same filters
(``municipality``: a name or number; ``level``: A1…B2; ``format``: in_person | digital | hybrid).

JSON (``/open/ledige-plasser.json``), a stable shape; new keys may be added, none is renamed or removed::

    {
      "generated_at": "2026-03-01T09:00:00Z",        # UTC, ISO 8601
      "source": "https://…/open/ledige-plasser",      # the human page
      "count": 42,                                    # offers matching the filters, over all pages
      "page": 1, "per_page": 100,
      "items": [
        {
          "id": 17,
          "course": {"title": "Norskkurs A1–A2", "kind": "norwegian_training"},
          "provider": {"name": "Fjordvik voksenopplæring", "email": "post@…" | null},
          "place": {"municipality_number": "0301" | null, "municipality_name": "Oslo" | null},
          "level": {"min": "A1" | null, "max": "A2" | null},   # both null: no language requirement
          "format": "in_person",                                 # in_person | digital | hybrid
          "period": {"start": "2026-03-02", "end": "2026-06-19"},
          "deadline": "2026-02-20",                              # last day to request
          "free_seats": 3,
          "price_per_seat": "12345.50",                          # NOK excl. VAT, string, two decimals
          "currency": "NOK"
        }
      ],
      "next": "https://…/open/ledige-plasser.json?page=2"      # only when there is a next page
    }

CSV (``/open/ledige-plasser.csv``): every matching offer, for Norwegian Excel — see ``views.feed_csv``.

Caching: the JSON and CSV carry ``Cache-Control: public, max-age=300`` and a (weak) ``ETag`` over their
items, and answer ``If-None-Match`` with 304. The page itself stays ``no-store``: its header carries the
visitor's CSRF token (the language switch), which a shared cache must never hand to someone else.
"""
