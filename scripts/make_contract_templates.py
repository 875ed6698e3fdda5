"""Build the Word templates in contract_templates/ (docxtpl/Jinja tags inside ordinary paragraphs and tables).

The .docx files are committed; run this only to change a template, then bump its version in
contract_templates/templates.json so stored documents keep saying which template made them:

    .venv/bin/python scripts/make_contract_templates.py [--out DIR]

Every template is saved lean (:func:`lean`): python-docx starts from its own blank document, whose parts a
filled-in contract never needs and which every render reads and writes again (the order confirmation is
rendered inside each purchase confirm, docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "contract_templates"

# Parts of python-docx's blank document that are dropped, by the type of the relationship that points at them.
# python-docx writes only the parts reachable through relationships and lists only those in [Content_Types].xml,
# so dropping the relationship drops the part (and the parts only it reaches, e.g. customXml/itemProps1.xml).
_DROPPED_RELATIONSHIPS = {
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",  # word/stylesWithEffects.xml:
    # Word 2010's second copy of every built-in style (438 KB); Word and LibreOffice read styles.xml
    RT.THUMBNAIL,  # docProps/thumbnail.jpeg: the preview picture of python-docx's blank document
    RT.CUSTOM_XML,  # customXml/: an empty bibliography store
}

# Where a part names a style: paragraphs, runs, tables, numbering levels and numbering style links.
_STYLE_REFERENCES = ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink")
# Where a style names another style it needs.
_STYLE_CHAINS = ("basedOn", "link", "next")


def lean(doc: Document) -> None:
    """Make ``doc`` lean before it is saved: what python-docx's blank document carries and a contract never uses
    is removed, so that docxtpl parses and writes ~25 KB of XML per render instead of ~830 KB (~7 ms a render
    instead of ~33 ms).

    1. The parts in ``_DROPPED_RELATIONSHIPS`` (with their relationships and content types).
    2. In word/styles.xml, every style no part uses: kept are the styles named anywhere in the document's other
       parts (document, numbering, headers …), each type's default style, and what those need through
       basedOn/link/next. The document defaults (``w:docDefaults``) stay.
    3. ``w:latentStyles``: Word's list of its ~270 built-in styles and how to show them in its gallery; Word
       and LibreOffice fall back to their own defaults without it.
    """
    package = doc.part.package
    for source in (package, *package.iter_parts()):
        for r_id in [r_id for r_id, rel in source.rels.items() if rel.reltype in _DROPPED_RELATIONSHIPS]:
            source.rels.pop(r_id)

    styles = doc.styles.element
    used: set[str] = set()
    for part in package.iter_parts():
        if isinstance(part, XmlPart) and part.element is not styles:
            for name in _STYLE_REFERENCES:
                used.update(part.element.xpath(f".//w:{name}/@w:val"))
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    keep = used | {sid for sid, s in by_id.items() if s.get(qn("w:default")) in ("1", "true", "on")}
    todo = list(keep)
    while todo:
        style = by_id.get(todo.pop())
        if style is None:
            continue
        for name in _STYLE_CHAINS:
            el = style.find(qn(f"w:{name}"))
            if el is not None and el.get(qn("w:val")) not in keep:
                keep.add(el.get(qn("w:val")))
                todo.append(el.get(qn("w:val")))
    missing = used - by_id.keys()
    if missing:
        raise SystemExit(f"styles used but not defined: {sorted(missing)}")
    for sid, style in by_id.items():
        if sid not in keep:
            styles.remove(style)
    for latent in styles.findall(qn("w:latentStyles")):
        styles.remove(latent)


def _save(doc: Document, name: str) -> None:
    lean(doc)
    doc.save(OUT / name)


def _doc() -> Document:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10.5)
    return doc


def _table(doc, header: list[str], loop: str, cells: list[str]):
    """A table with a header row and one templated row repeated by ``{%tr for … %}``."""
    t = doc.add_table(rows=4, cols=len(header))
    t.style = "Table Grid"
    for i, h in enumerate(header):
        t.rows[0].cells[i].text = h
    t.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for i, c in enumerate(cells):
        t.rows[2].cells[i].text = c
    t.rows[3].cells[0].text = "{%tr endfor %}"
    return t


def _footer(doc):
    doc.add_paragraph("Dokumentet er laget {{ generated_at }} av kurs- og avtaleportalen fra malen {{ template_name }} "
                      "versjon {{ template_version }}, avtaleversjon {{ version }}.")


def _assessment(doc, heading_no: str):
    doc.add_heading(f"{heading_no} Rettslig vurdering", level=1)
    doc.add_paragraph("Regelmotorens konklusjon: {{ verdict_label }}{% if regime_label %} ({{ regime_label }}){% endif %}.")
    doc.add_paragraph("Regelverk lagt til grunn: {{ law_title }}.")
    doc.add_paragraph("Anslått verdi etter beregningsreglene: {{ estimated_value_engine }}.")
    doc.add_paragraph("Begrunnelse fra regelmotoren:")
    doc.add_paragraph("{%p for r in reasons %}")
    doc.add_paragraph("{{ r.rule_id }}: {{ r.message }} (Kilde: {{ r.citation }})", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("Regelsett {{ ruleset_version }}, terskelverdier i kraft fra {{ thresholds_from }} (tabell {{ table_id }}).")
    doc.add_paragraph("Juridisk gjennomgang: {{ review_text }}")
    doc.add_paragraph("{%p if departure_reasoning %}")
    doc.add_paragraph("Juristens konklusjon avviker fra regelmotorens ({{ reviewer_verdict_label }}). Begrunnelse: {{ departure_reasoning }}")
    doc.add_paragraph("{%p endif %}")


def cooperation() -> None:
    doc = _doc()
    doc.add_heading("Samarbeidsavtale", level=0)
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("Avtale om samarbeid mellom offentlige oppdragsgivere etter anskaffelsesforskriften § 3-3 "
                      "(offentlig-offentlig samarbeid). Avtale nr. {{ agreement_id }}, versjon {{ version }}.")
    doc.add_heading("1 Parter og rettslig status", level=1)
    _table(doc, ["Part", "Org.nr.", "Rettslig status", "Enhet og kontaktperson"], "for p in parties",
           ["{{ p.name }}", "{{ p.org_number }}", "{{ p.legal_type }}", "{{ p.unit }} {{ p.contact }}"])
    doc.add_heading("2 Avtalens formål og gjenstand", level=1)
    doc.add_paragraph("{{ subject }}")
    doc.add_paragraph("CPV-koder: {{ cpv }}. Tiltak: {{ measure }}.")
    doc.add_heading("3 Partenes lovpålagte oppgaver", level=1)
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.name }}: {{ p.statutory_task }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("4 Felles mål", level=1)
    doc.add_paragraph("{{ common_objectives }}")
    doc.add_heading("5 Partenes konkrete bidrag", level=1)
    doc.add_paragraph("Hver part bidrar til å utføre de offentlige tjenestene, ikke bare med penger.")
    doc.add_paragraph("{%p for p in parties %}")
    doc.add_paragraph("{{ p.name }}: {{ p.contributions }}{% if p.payment_only %} (bidrar bare med betaling){% endif %}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("6 Styring og felles strategi", level=1)
    doc.add_paragraph("{{ governance }}")
    doc.add_heading("7 Kostnadsfordeling", level=1)
    doc.add_paragraph("{{ cost_sharing }}")
    doc.add_paragraph("Prising mellom partene: {{ pricing }}. Samarbeidet skal ikke gi noen av partene fortjeneste.")
    doc.add_paragraph("Anslått verdi: {{ estimated_value }} ekskl. mva., opsjoner {{ options_value }}. Prisvilkår: {{ price_terms }}")
    doc.add_heading("8 Allmennhetens interesse", level=1)
    doc.add_paragraph("Gjennomføringen av samarbeidet styres bare av hensyn som gjelder allmennhetens interesse: {{ public_interest }}.")
    doc.add_heading("9 Andel av aktiviteten i det åpne markedet", level=1)
    _table(doc, ["Part", "Andel i det åpne markedet"], "for p in parties", ["{{ p.name }}", "{{ p.share }}"])
    doc.add_paragraph("Grunnlag for andelene (tre år): {{ activity_basis }}. Oppfølging: {{ market_share_monitoring }}")
    doc.add_heading("10 Ingen private aktører får fordeler", level=1)
    doc.add_paragraph("Plasserer samarbeidet en privat aktør i en bedre stilling enn konkurrentene: {{ advantaged }}. "
                      "Kjernetjenesten settes ut til tredjepart: {{ subcontracting }}. {{ subcontracting_note }}")
    doc.add_heading("11 Varighet, opsjoner, evaluering og uttreden", level=1)
    doc.add_paragraph("Avtalen gjelder fra {{ start_date }} til {{ end_date }}. Opsjoner: {{ options_text }}. "
                      "Samlet varighet kan ikke overstige {{ max_duration }}.")
    doc.add_paragraph("{{ review_and_exit }}")
    _assessment(doc, "12")
    doc.add_heading("13 Underskrifter", level=1)
    _table(doc, ["Part", "Navn", "Rolle", "Dato"], "for s in signatures",
           ["{{ s.party }}", "{{ s.name }}", "{{ s.role }}", "{{ s.date }}"])
    _footer(doc)
    _save(doc, "samarbeidsavtale.docx")


def assessment_doc() -> None:
    doc = _doc()
    doc.add_heading("{{ document_title }}", level=0)
    doc.add_paragraph("{{ title }} (avtale nr. {{ agreement_id }}, versjon {{ version }}, {{ kind }})")
    doc.add_heading("1 Parter", level=1)
    _table(doc, ["Part", "Org.nr.", "Rolle"], "for p in parties", ["{{ p.name }}", "{{ p.org_number }}", "{{ p.role }}"])
    doc.add_heading("2 Anskaffelsen", level=1)
    doc.add_paragraph("Gjenstand: {{ subject }}")
    doc.add_paragraph("CPV-koder: {{ cpv }}. Periode {{ start_date }}–{{ end_date }}, opsjoner: {{ options_text }}.")
    doc.add_paragraph("Anslått verdi: {{ estimated_value }} ekskl. mva., opsjoner {{ options_value }}.")
    doc.add_paragraph("Saksnummer: {{ case_ref }}. Kunngjøring: {{ notice_ref }}.")
    _assessment(doc, "3")
    doc.add_heading("4 Varsler", level=1)
    doc.add_paragraph("{%p for r in warnings %}")
    doc.add_paragraph("{{ r.rule_id }}: {{ r.message }} (Kilde: {{ r.citation }})", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("5 Plikter", level=1)
    doc.add_paragraph("{%p for r in obligations %}")
    doc.add_paragraph("{{ r.rule_id }}: {{ r.message }} (Kilde: {{ r.citation }})", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_heading("6 Fakta som ville endret konklusjonen", level=1)
    doc.add_paragraph("{{ missing_facts }}")
    _footer(doc)
    _save(doc, "vurdering.docx")


def order_confirmation() -> None:
    doc = _doc()
    doc.add_heading("Ordrebekreftelse – kjøp av enkeltplass", level=0)
    doc.add_paragraph("Ordre nr. {{ purchase_id }}, bekreftet {{ confirmed_at }}.")
    doc.add_heading("Kjøper", level=1)
    doc.add_paragraph("{{ buyer_unit }} – {{ buyer_entity }} (org.nr. {{ buyer_org }}), {{ buyer_side }}.")
    doc.add_heading("Leverandør", level=1)
    doc.add_paragraph("{{ provider_unit }} – {{ provider_entity }} (org.nr. {{ provider_org }}).")
    doc.add_heading("Kurs og periode", level=1)
    doc.add_paragraph("{{ course }}: {{ start_date }}–{{ end_date }}, {{ seats }} plass(er).")
    doc.add_paragraph("Deltakerreferanser: {{ participants }}")
    doc.add_heading("Pris", level=1)
    doc.add_paragraph("{%p for line in breakdown %}")
    doc.add_paragraph("{{ line }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("Sum: {{ amount }} ekskl. mva. Budsjettlinje: {{ budget_line }}.")
    doc.add_heading("Avtalegrunnlag", level=1)
    doc.add_paragraph("{{ agreement_text }}")
    doc.add_paragraph("Regelmotorens konklusjon ved bekreftelse: {{ verdict_label }}.")
    doc.add_paragraph("{%p for r in reasons %}")
    doc.add_paragraph("{{ r.rule_id }}: {{ r.message }} (Kilde: {{ r.citation }})", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("Dokumentet er laget {{ generated_at }} fra malen {{ template_name }} versjon {{ template_version }}.")
    _save(doc, "ordrebekreftelse.docx")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="directory to write to (default: contract_templates/)")
    OUT = parser.parse_args().out
    OUT.mkdir(parents=True, exist_ok=True)
    cooperation()
    assessment_doc()
    order_confirmation()
    print("written:", ", ".join(sorted(p.name for p in OUT.glob("*.docx"))))
