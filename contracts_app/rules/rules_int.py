"""INT-01…06: the Integration Act, where it meets Nav's seat purchases.

The right to free Norwegian training (INT-02) lasts until the minimum level is reached, but no longer
than 36 months (18 with upper-secondary education or higher) from ``right_start_date`` plus approved
leave — counted in calendar months (:func:`~.dates.add_months`). A Nav purchase of Norwegian training
for someone whose right is active is likely duplicate funding (INT-04: warning, never a verdict).
"""

from __future__ import annotations

from datetime import date

from .context import Context
from .dates import add_month_count
from .facts import Facts
from .registry import INFO, MET, NOT_MET, UNKNOWN, Finding, Reference, Rule, register
from .vocab import IntegrationStatus

RIGHT_MONTHS = 36
RIGHT_MONTHS_UPPER_SECONDARY = 18

#: The temporary chapter 6A for collective protection applies until this date (Prop. 81 L (2024–2025)).
COLLECTIVE_PROTECTION_RULES_END = date(2026, 7, 1)


def is_norwegian_training(measure_code: str | None) -> bool:
    """Nav's Norwegian-training measure (tiltaksforskriften § 7-2 b), by code."""
    return measure_code is not None and "NORSKOPPLAERING" in measure_code


@register
class INT01(Reference):
    rule_id = "INT-01"
    family = "INT"
    title = "Target group and type of entitlement (right and duty / duty only)"
    citation = "integreringsloven (LOV-2020-11-06-127) §§ 26–28"


@register
class INT02(Rule):
    rule_id = "INT-02"
    family = "INT"
    title = "Duration of the right to free Norwegian training"
    citation = "integreringsloven kap. 6 og integreringsforskriften; IMDis juridiske veileder kap. 6"
    messages = {
        "active": (
            MET,
            "Retten til gratis opplæring i norsk varer til {end}",
            "The right to free Norwegian training lasts until {end}",
        ),
        "active_range": (
            MET,
            "Retten til gratis opplæring i norsk er aktiv (til {early} eller {late}, avhengig av utdanningsnivå)",
            "The right to free Norwegian training is active (until {early} or {late}, depending on the level of education)",
        ),
        "possible": (
            UNKNOWN,
            "Retten til gratis opplæring i norsk kan fortsatt gjelde (til {late} eller til minstenivået er nådd)",
            "The right to free Norwegian training may still apply (until {late} or until the minimum level is reached)",
        ),
        "start_unknown": (
            UNKNOWN,
            "Retten til gratis opplæring i norsk kan fortsatt gjelde (startdatoen for retten er ukjent)",
            "The right to free Norwegian training may still apply (the start date of the right is unknown)",
        ),
        "ended": (
            NOT_MET,
            "Retten til gratis opplæring i norsk er ikke lenger aktiv.",
            "The right to free Norwegian training is no longer active.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        participant = facts.participant
        integration = participant.integration if participant is not None else None
        if integration is None or integration.status != IntegrationStatus.right_and_duty:
            return None
        if integration.min_level_reached is True:
            return self.finding("ended", decision="ended")
        start = integration.right_start_date
        if start is None:
            return self.finding("start_unknown", decision="possible")
        ref = facts.reference_date
        leave = integration.approved_leave_months
        early = add_month_count(start, leave + RIGHT_MONTHS_UPPER_SECONDARY)
        late = add_month_count(start, leave + RIGHT_MONTHS)
        upper = integration.has_upper_secondary
        level_open = integration.min_level_reached is False
        if upper is not None:
            end = early if upper else late
            if ref >= end:
                return self.finding("ended", decision="ended")
            if level_open:
                return self.finding("active", end=end, decision="active")
            return self.finding("possible", late=end, decision="possible")
        if ref >= late:
            return self.finding("ended", decision="ended")
        if ref < early and level_open:
            return self.finding("active_range", early=early, late=late, decision="active")
        return self.finding("possible", late=late, decision="possible")


@register
class INT03(Reference):
    rule_id = "INT-03"
    family = "INT"
    title = "Duty-only group: no right to free training derives from the duty"
    citation = "integreringsloven § 28; giv.no"


@register
class INT04(Rule):
    rule_id = "INT-04"
    family = "INT"
    title = "Do not buy what the municipality must already provide"
    citation = "integreringsloven §§ 26–28; tiltaksforskriften § 7-2 bokstav b"
    cites = ("INT-02",)
    messages = {
        "duplicate": (
            INFO,
            "{right}: kommunen skal gi denne opplæringen gratis. Et kjøp av norskopplæring fra Nav er trolig dobbel finansiering; samordne med kommunen.",
            "{right}: the municipality must provide this training free of charge. A Nav purchase of Norwegian training is likely duplicate funding; coordinate with the municipality.",
        ),
        "possible_duplicate": (
            INFO,
            "{right}: kontroller om kommunen skal gi denne opplæringen gratis før Nav kjøper norskopplæring (fare for dobbel finansiering).",
            "{right}: check whether the municipality must provide this training free of charge before Nav buys Norwegian training (risk of duplicate funding).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        nav = facts.nav
        if nav is None or not is_norwegian_training(nav.measure_code):
            return None
        right = INT02.evaluate(facts, ctx)
        if right is None or right.decision == "ended":
            return None
        key = "duplicate" if right.decision == "active" else "possible_duplicate"
        return self.finding(key, right=(right.message, right.message_en))


@register
class INT05(Reference):
    rule_id = "INT-05"
    family = "INT"
    title = "Training offered outside the statutory right: Nav paying the municipality is a contract"
    citation = "integreringsloven § 26 siste ledd; veileder kap. 4.1"


@register
class INT06(Rule):
    rule_id = "INT-06"
    family = "INT"
    title = "Temporary rules for collective protection (Ukraine)"
    citation = "integreringsloven midlertidig kap. 6A; Prop. 81 L (2024–2025) kap. 11"
    messages = {
        "collective": (
            INFO,
            "Deltakeren har midlertidig kollektiv beskyttelse (utlendingsloven § 34): de midlertidige reglene i integreringsloven kap. 6A gjelder til {end}. Kontroller retten til norskopplæring særskilt.",
            "The participant has temporary collective protection (Immigration Act § 34): the temporary rules of chapter 6A of the Integration Act apply until {end}. Check the entitlement to Norwegian training separately.",
        ),
        "collective_after": (
            INFO,
            "Deltakeren har midlertidig kollektiv beskyttelse, men de midlertidige reglene i integreringsloven kap. 6A skulle gjelde til {end}. Kontroller gjeldende regler og retten til norskopplæring særskilt.",
            "The participant has temporary collective protection, but the temporary rules of chapter 6A of the Integration Act were to apply until {end}. Check the current rules and the entitlement to Norwegian training separately.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        participant = facts.participant
        integration = participant.integration if participant is not None else None
        if integration is None or integration.status != IntegrationStatus.collective_protection:
            return None
        after = facts.reference_date >= COLLECTIVE_PROTECTION_RULES_END
        return self.finding("collective_after" if after else "collective", end=COLLECTIVE_PROTECTION_RULES_END)
