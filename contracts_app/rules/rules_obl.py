"""OBL-01…07: what the buyer must still do, attached after the verdict (catalog §10 step 9).

They read the verdict and regime the engine recorded in the context:

* ``procurement_required`` → OBL-01 (principles), OBL-02 (competition in part I), OBL-03 (protocol, when
  the value reaches the protocol trigger of the threshold table), OBL-04 (record keeping, with the
  protocol), OBL-06 (announcement, parts II/III), OBL-07 (infringement fee for illegal direct award);
* ``exempt`` by EXC-INH/VERT/HOR/COMP → OBL-05 (document the exemption);
* ``needs_assessment`` → OBL-05 (document the legal assessment that decides it).

Document warnings (``docs.protocol``/``docs.exemption_assessment``/``docs.coop_agreement_written``
known to be false) go to ``warnings`` with the same rule id.
"""

from __future__ import annotations

from .context import Context
from .facts import Facts
from .registry import INFO, Finding, Rule, register
from .vocab import ExemptionBasis, Regime, Verdict

EXEMPTIONS_NEEDING_DOCUMENTATION = frozenset({ExemptionBasis.INH, ExemptionBasis.VERT, ExemptionBasis.HOR, ExemptionBasis.COMP})
PROTOCOL_SECTIONS = {
    Regime.part_I: ("§ 7-1", "§ 7-1"),
    Regime.part_I_II: ("§ 10-5", "§ 10-5"),
    Regime.part_I_III: ("§ 25-5", "§ 25-5"),
    Regime.part_I_II_plus_III_special: ("§ 10-5 og § 25-5", "§ 10-5 and § 25-5"),
    Regime.part_I_VI: ("§ 30-1", "§ 30-1"),
    None: ("§§ 7-1, 10-5, 25-5 eller 30-1 etter regimet", "§§ 7-1, 10-5, 25-5 or 30-1 depending on the regime"),
}


@register
class OBL01(Rule):
    rule_id = "OBL-01"
    family = "OBL"
    title = "Fundamental principles (grunnleggende prinsipper)"
    citation = "anskaffelsesloven § 4"
    messages = {
        "principles": (
            INFO,
            "Følg de grunnleggende prinsippene: konkurranse, likebehandling, forutberegnelighet, etterprøvbarhet og forholdsmessighet.",
            "Follow the fundamental principles: competition, equal treatment, predictability, verifiability and proportionality.",
        ),
        "principles_prop147": (
            INFO,
            "Prop. 147 L foreslår å oppheve § 4 for nasjonale anskaffelser; EØS-rettslige prinsipper gjelder fortsatt for kontrakter med grenseoverskridende interesse. Kontroller gjeldende lovtekst og følg konkurranse, likebehandling, forutberegnelighet, etterprøvbarhet og forholdsmessighet der de gjelder.",
            "Prop. 147 L proposes repealing § 4 for national procurements; EEA-law principles still apply to contracts of certain cross-border interest. Check the current text and follow competition, equal treatment, predictability, verifiability and proportionality where they apply.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.verdict != Verdict.procurement_required:
            return None
        return self.finding("principles_prop147" if ctx.thresholds.lower_limit_rule == "THR-02" else "principles")


@register
class OBL02(Rule):
    rule_id = "OBL-02"
    family = "OBL"
    title = "Competition in part I; direct award needs an objective reason"
    citation = "anskaffelsesloven § 4; veileder kap. 5–6; Navs rutine for anskaffelse av enkeltplasser"
    messages = {
        "competition": (
            INFO,
            "Del I har ingen fast prosedyre, men det skal være konkurranse så langt det er mulig (f.eks. flere tilbud). Direkte kjøp fra én leverandør (typisk for enkeltplass når bare ett kurs passer) må ha en saklig begrunnelse som dokumenteres.",
            "Part I has no fixed procedure, but there must be competition as far as possible (e.g. several quotes). A direct award to one supplier (typical for a single seat when only one course fits) needs an objective reason, documented.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.verdict != Verdict.procurement_required or ctx.regime != Regime.part_I:
            return None
        return self.finding("competition")


def _protocol_due(ctx: Context) -> bool:
    if ctx.verdict != Verdict.procurement_required:
        return False
    value = ctx.aggregate.value
    trigger = ctx.thresholds.protocol_trigger
    return value is None or trigger is None or value >= trigger


@register
class OBL03(Rule):
    rule_id = "OBL-03"
    family = "OBL"
    title = "Procurement protocol (anskaffelsesprotokoll)"
    citation = "anskaffelsesforskriften §§ 7-1, 10-5, 25-5 og 30-1"
    messages = {
        **{
            f"protocol_{regime}": (
                INFO,
                f"Før anskaffelsesprotokoll (anskaffelsesforskriften {section[0]}): hva som anskaffes og anslått verdi, valgt leverandør, begrunnelsen og viktige beslutninger.",
                f"Keep a procurement protocol (FOA {section[1]}): what is bought and its estimated value, the chosen supplier, the reasons and important decisions.",
            )
            for regime, section in PROTOCOL_SECTIONS.items()
        },
        "protocol_missing": (
            INFO,
            "Anskaffelsesprotokoll mangler (docs.protocol er false), men er påkrevd for denne anskaffelsen.",
            "The procurement protocol is missing (docs.protocol is false), but it is required for this procurement.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if not _protocol_due(ctx):
            return None
        return self.finding(f"protocol_{ctx.regime}")

    def document_warning(self, facts: Facts, ctx: Context) -> Finding | None:
        """Warning when the protocol is due and ``docs.protocol`` is known to be false."""
        if facts.docs.protocol is False and _protocol_due(ctx):
            return self.finding("protocol_missing")
        return None


@register
class OBL04(Rule):
    rule_id = "OBL-04"
    family = "OBL"
    title = "Record keeping"
    citation = "direktiv 2014/24/EU art. 84 nr. 2–3; arkivlova"
    messages = {
        "records": (
            INFO,
            "Oppbevar anskaffelsesdokumentene i minst tre år fra tildeling og arkiver dem etter arkivlova.",
            "Keep the procurement documents for at least three years from the award and archive them under the Archives Act.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if not _protocol_due(ctx):
            return None
        return self.finding("records")


@register
class OBL05(Rule):
    rule_id = "OBL-05"
    family = "OBL"
    title = "Document the exemption and write a proper cooperation agreement"
    citation = "anskaffelsesforskriften § 3-3; C-480/06; C-429/19; C-796/18; KOFA 2017/18"
    messages = {
        "document": (
            INFO,
            "Dokumenter vurderingen av unntaket: oppdragsgiveren har bevisbyrden for at vilkårene er oppfylt.",
            "Document the assessment of the exemption: the authority bears the burden of proving that its conditions are met.",
        ),
        "document_cooperation": (
            INFO,
            "Dokumenter vurderingen og inngå en skriftlig samarbeidsavtale som angir: partene og deres rettslige status; hver parts lovpålagte oppgave; felles mål; hver parts konkrete bidrag (personell, lokaler, kompetanse, praksisplasser – ikke bare penger); styring og felles strategi; kostnadsfordeling uten fortjeneste; at bare allmennhetens interesser styrer; hver parts andel av aktiviteten i det åpne markedet (treårsgrunnlag) og hvordan den følges opp; at ingen privat aktør begunstiges; varighet, revisjon og uttreden.",
            "Document the assessment and conclude a written cooperation agreement stating: the parties and their legal status; each party's statutory public-service task; the common objectives; each party's concrete contribution (staff, premises, know-how, placements — not only money); governance and joint strategy; cost allocation without profit; that only public-interest considerations govern; each party's open-market share of the activities (three-year basis) and how it is monitored; that no private operator is advantaged; duration, review and exit.",
        ),
        "document_judgment": (
            INFO,
            "Dokumenter den juridiske vurderingen som avgjør saken (se begrunnelsene), og hvilket utfall den gir.",
            "Document the legal assessment that decides the case (see the reasons) and the outcome it leads to.",
        ),
        "assessment_missing": (
            INFO,
            "Vurderingen av unntaket er ikke dokumentert (docs.exemption_assessment er false); oppdragsgiveren har bevisbyrden.",
            "The exemption assessment is not documented (docs.exemption_assessment is false); the authority bears the burden of proof.",
        ),
        "agreement_missing": (
            INFO,
            "Samarbeidsavtalen er ikke skriftlig (docs.coop_agreement_written er false); samarbeidet må kunne dokumenteres.",
            "The cooperation agreement is not in writing (docs.coop_agreement_written is false); the cooperation must be documented.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.verdict == Verdict.needs_assessment:
            return self.finding("document_judgment")
        if ctx.verdict != Verdict.exempt or ctx.exempt_by not in EXEMPTIONS_NEEDING_DOCUMENTATION:
            return None
        return self.finding("document_cooperation" if ctx.exempt_by == ExemptionBasis.HOR else "document")

    def document_warnings(self, facts: Facts, ctx: Context) -> list[Finding]:
        """Warnings for documents known to be missing when the verdict rests on an exemption."""
        if ctx.verdict != Verdict.exempt or ctx.exempt_by not in EXEMPTIONS_NEEDING_DOCUMENTATION:
            return []
        out = []
        if facts.docs.exemption_assessment is False:
            out.append(self.finding("assessment_missing"))
        if ctx.exempt_by == ExemptionBasis.HOR and facts.docs.coop_agreement_written is False:
            out.append(self.finding("agreement_missing"))
        return out


@register
class OBL06(Rule):
    rule_id = "OBL-06"
    family = "OBL"
    title = "Announcement duties"
    citation = "anskaffelsesforskriften del II og III (kunngjøring i Doffin og TED); anskaffelser.no «Terskelverdier»"
    messages = {
        "part_I_II": (
            INFO,
            "Kunngjør konkurransen nasjonalt i Doffin (forskriften del II).",
            "Announce the competition nationally on Doffin (part II of the regulation).",
        ),
        "part_I_III": (
            INFO,
            "Kunngjør konkurransen i Doffin og i TED (EØS-kunngjøring, forskriften del III).",
            "Announce the competition on Doffin and on TED (EEA announcement, part III of the regulation).",
        ),
        "part_I_II_plus_III_special": (
            INFO,
            "Kunngjør konkurransen i Doffin, og følg kunngjøringsreglene i del III for særlige tjenester (EØS-kunngjøring).",
            "Announce the competition on Doffin and follow the part III announcement rules for special services (EEA announcement).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.verdict != Verdict.procurement_required or ctx.regime not in self.messages:
            return None
        return self.finding(ctx.regime)  # type: ignore[arg-type]


@register
class OBL07(Rule):
    rule_id = "OBL-07"
    family = "OBL"
    title = "Sanction for illegal direct award"
    citation = "anskaffelsesloven § 12; DFØ «Tilskudd eller anskaffelse?»"
    messages = {
        "fee": (
            INFO,
            "En ulovlig direkte anskaffelse kan gi overtredelsesgebyr fra KOFA på inntil 15 % av kontraktsverdien (kontroller satsen i § 12).",
            "An illegal direct award can lead to an infringement fee from KOFA of up to 15% of the contract value (check the rate in § 12).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if ctx.verdict != Verdict.procurement_required:
            return None
        return self.finding("fee")
