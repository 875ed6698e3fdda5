"""EXC-*: exemptions — in-house, extended in-house, horizontal cooperation, transfer of competences.

Burden of proof (EXC-BURDEN-01): an exemption is *established* only when every condition is
established by known facts. Each family function returns an :class:`ExemptionResult` whose status is

* ``established`` — every condition met: verdict ``exempt``;
* ``judgment`` — every checkable condition met, a case-by-case question remains (EXC-HOR-03 unknown);
* ``unknown`` — no known fact fails, but some are unknown (they become ``missing_facts``);
* ``failed`` — a known fact fails a condition (the finding is a negative reason);
* ``not_claimed`` — nothing in the facts claims this exemption.

Blocks ``relationship``, ``cooperation`` and ``transfer`` are claims: when absent the exemption is not
considered and nothing is reported missing for it. Exception: State versus municipality is decided
from the parties' legal types alone (EXC-VERT-07), because in-house is never available between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .context import Context
from .dates import add_months
from .facts import Facts
from .money import EIGHTY, TWENTY
from .registry import INFO, JUDGMENT, MET, NOT_MET, UNKNOWN, Finding, Pct, Reference, Rule, fmt_en, fmt_nb, register
from .vocab import ActivityBasis, Advantaged, ClaimStatus, Control, ExemptionBasis, LegalType, Pricing, ProjectionReason

MUNICIPAL_TYPES = frozenset({LegalType.municipality, LegalType.county_municipality})
DIRECT_CONTROL = frozenset({Control.sole, Control.sole_indirect})
NO_CONTROL = frozenset({Control.none, Control.partial})
CLAIMING_CONTROL = frozenset({Control.sole, Control.sole_indirect, Control.joint, Control.partial})
THREE_YEAR_BASIS = frozenset({ActivityBasis.avg_turnover_3y, ActivityBasis.alt_measure_3y})
#: Why projections may replace the three-year figures (EXC-VERT-05; catalog § 14 item 4), as message text.
PROJECTION_GROUNDS: dict[str, tuple[str, str]] = {
    ProjectionReason.new_entity: ("enheten er ny", "the entity is new"),
    ProjectionReason.new_activity: ("aktiviteten er ny", "the activity is new"),
    ProjectionReason.reorganisation: ("virksomheten er omorganisert", "the entity has been reorganised"),
}

EXEMPTION_NAMES: dict[str, tuple[str, str]] = {
    ExemptionBasis.INH: ("egenregi", "in-house"),
    ExemptionBasis.VERT: ("utvidet egenregi", "extended in-house"),
    ExemptionBasis.HOR: ("samarbeid mellom oppdragsgivere", "horizontal cooperation"),
    ExemptionBasis.COMP: ("overføring av myndighet", "transfer of competences"),
}


@dataclass(slots=True, frozen=True)
class ExemptionResult:
    """The outcome of one exemption family for one set of facts."""

    status: ClaimStatus
    claimed: bool
    reasons: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    missing: tuple[str, ...]


NOT_CLAIMED = ExemptionResult(ClaimStatus.not_claimed, False, (), (), ())


def _join(fragments: list[tuple[str, str]]) -> tuple[str, str]:
    """Join (nb, en) message fragments into one (nb, en) placeholder value."""
    return "; ".join(f[0] for f in fragments), "; ".join(f[1] for f in fragments)


def _party_label(name: str | None, entity_id: str | None, index: int) -> tuple[str, str]:
    label = name or entity_id
    if label:
        return label, label
    return f"deltaker {index + 1}", f"participant {index + 1}"


def _status(findings: list[Finding]) -> ClaimStatus:
    outcomes = {f.outcome for f in findings}
    if NOT_MET in outcomes:
        return ClaimStatus.failed
    if UNKNOWN in outcomes:
        return ClaimStatus.unknown
    if JUDGMENT in outcomes:
        return ClaimStatus.judgment
    return ClaimStatus.established


# --- EXC-BURDEN-01, EXC-INH-01 -----------------------------------------------------------------


@register
class EXC_BURDEN_01(Rule):
    rule_id = "EXC-BURDEN-01"
    family = "EXC"
    title = "Exceptions are interpreted strictly; the burden of proof is on the authority"
    citation = "C-26/03 Stadt Halle; C-480/06 Kommisjonen mot Tyskland; KOFAs praksis"
    messages = {
        "failed": (
            NOT_MET,
            "Unntak tolkes strengt, og oppdragsgiveren må godtgjøre at alle vilkår er oppfylt. Unntaket for {names} er ikke godtgjort; anskaffelsesreglene gjelder.",
            "Exemptions are interpreted strictly and the authority must prove every condition. The {names} exemption is not established; the procurement rules apply.",
        ),
        "unknown": (
            UNKNOWN,
            "Unntak tolkes strengt, og oppdragsgiveren må godtgjøre at alle vilkår er oppfylt. Unntaket for {names} er ikke godtgjort fordi opplysninger mangler; inntil de foreligger gjelder anskaffelsesreglene.",
            "Exemptions are interpreted strictly and the authority must prove every condition. The {names} exemption is not established because facts are missing; until they are known the procurement rules apply.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if not ctx.unestablished:
            return None
        pairs = [EXEMPTION_NAMES[n] for n in ctx.unestablished]
        names = (", ".join(p[0] for p in pairs), ", ".join(p[1] for p in pairs))
        return self.finding("unknown" if ctx.unknown_claims else "failed", names=names)


@register
class EXC_INH_01(Rule):
    rule_id = "EXC-INH-01"
    family = "EXC"
    title = "In-house within the same legal entity (egenregi)"
    citation = "veileder kap. 4.1–4.2; NHO «Egenregi»"
    messages = {
        "same_entity": (
            MET,
            "Kjøper og leverandør er samme juridiske person ({entity}): avtalen er intern (egenregi) og ikke en kontrakt etter anskaffelsesregelverket.",
            "Buyer and supplier are the same legal person ({entity}): the arrangement is internal (in-house) and not a contract under the procurement rules.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        if not ctx.same_entity:
            return None
        return self.finding("same_entity", entity=facts.supplier.entity_id)


# --- EXC-VERT: extended in-house ---------------------------------------------------------------


def _activity(rule: Rule, facts: Facts, met_key: str, **values: object) -> Finding:
    """Criterion (b): more than 80 % of the supplier's activity for the controller(s)."""
    pct = facts.supplier.activity_for_controllers_pct
    if pct is None:
        return rule.finding("activity_unknown", missing=("supplier.activity_for_controllers_pct",))
    if pct > EIGHTY:
        return rule.finding(met_key, pct=Pct(pct), **values)
    return rule.finding("activity_low", pct=Pct(pct))


@register
class EXC_VERT_01(Rule):
    rule_id = "EXC-VERT-01"
    family = "EXC"
    title = "Extended in-house, sole control: control, > 80 % activity, no private capital"
    citation = "anskaffelsesforskriften § 3-1; direktiv 2014/24/EU art. 12 nr. 1; C-107/98 Teckal"
    cites = ("EXC-VERT-02",)
    messages = {
        "met": (
            MET,
            "Kjøperen har kontroll over leverandøren som over egne avdelinger, og leverandøren utfører {pct} av virksomheten for kjøperen (mer enn 80 %).",
            "The buyer controls the supplier as it controls its own departments, and the supplier performs {pct} of its activities for the buyer (more than 80%).",
        ),
        "activity_low": (
            NOT_MET,
            "Leverandøren utfører {pct} av virksomheten for den eller de kontrollerende oppdragsgiverne; kravet er mer enn 80 %.",
            "The supplier performs {pct} of its activities for the controlling authority or authorities; more than 80% is required.",
        ),
        "activity_unknown": (
            UNKNOWN,
            "Kjøperen kontrollerer leverandøren, men det er ukjent hvor stor del av leverandørens virksomhet som utføres for kjøperen (må være mer enn 80 %).",
            "The buyer controls the supplier, but the share of the supplier's activities performed for the buyer is unknown (must be more than 80%).",
        ),
        "control_unknown": (
            UNKNOWN,
            "Det er ukjent om kjøperen har kontroll over leverandøren som over egne avdelinger (avgjørende innflytelse over strategiske mål og viktige beslutninger).",
            "It is unknown whether the buyer controls the supplier as it controls its own departments (decisive influence over strategic objectives and significant decisions).",
        ),
        "no_control": (
            NOT_MET,
            "Kjøperen har ingen kontroll over leverandøren som over egne avdelinger (vilkår a): utvidet egenregi er ikke mulig.",
            "The buyer has no control over the supplier similar to that over its own departments (criterion a): extended in-house is not available.",
        ),
        "partial_control": (
            NOT_MET,
            "Kjøperen har bare delvis kontroll over leverandøren; kontroll som over egne avdelinger (avgjørende innflytelse over strategiske mål og viktige beslutninger) kreves.",
            "The buyer has only partial control over the supplier; control similar to that over its own departments (decisive influence over strategic objectives and significant decisions) is required.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        rel = facts.relationship
        if rel is None:
            return None
        control = rel.control
        if control in DIRECT_CONTROL:
            return _activity(self, facts, "met")
        if control is None:
            return self.finding("control_unknown", missing=("relationship.control",))
        if control == Control.none:
            return self.finding("no_control")
        if control == Control.partial:
            return self.finding("partial_control")
        return None


@register
class EXC_VERT_02(Reference):
    rule_id = "EXC-VERT-02"
    family = "EXC"
    title = "What control means: decisive influence over strategic objectives and significant decisions"
    citation = "direktiv 2014/24/EU art. 12 nr. 1 annet ledd"


_JOINT_FLAGS = (
    (
        "representation_all",
        (
            "leverandørens besluttende organer består ikke av representanter for alle deltakende oppdragsgivere",
            "the supplier's decision-making bodies are not composed of representatives of all participating authorities",
        ),
    ),
    (
        "joint_decisive_influence",
        (
            "oppdragsgiverne utøver ikke i fellesskap avgjørende innflytelse over strategiske mål og viktige beslutninger",
            "the authorities do not jointly exert decisive influence over strategic objectives and significant decisions",
        ),
    ),
    (
        "no_contrary_interests",
        (
            "leverandøren har interesser som strider mot oppdragsgivernes",
            "the supplier pursues interests contrary to those of the authorities",
        ),
    ),
)


@register
class EXC_VERT_03(Rule):
    rule_id = "EXC-VERT-03"
    family = "EXC"
    title = "Joint control (felles kontroll)"
    citation = "anskaffelsesforskriften § 3-2; direktiv 2014/24/EU art. 12 nr. 3; KOFA 2023/755"
    messages = {
        "met": (
            MET,
            "Oppdragsgiverne har felles kontroll over leverandøren (alle er representert, de utøver i fellesskap avgjørende innflytelse, og leverandøren har ingen motstridende interesser), og leverandøren utfører {pct} av virksomheten for dem (mer enn 80 %).",
            "The authorities jointly control the supplier (all are represented, they jointly exert decisive influence, and the supplier has no contrary interests), and the supplier performs {pct} of its activities for them (more than 80%).",
        ),
        "not_met": (
            NOT_MET,
            "Felles kontroll (FOA § 3-2) er ikke godtgjort: {failures}.",
            "Joint control (FOA § 3-2) is not established: {failures}.",
        ),
        "activity_low": (
            NOT_MET,
            "Leverandøren utfører {pct} av virksomheten for de kontrollerende oppdragsgiverne; kravet er mer enn 80 %.",
            "The supplier performs {pct} of its activities for the controlling authorities; more than 80% is required.",
        ),
        "activity_unknown": (
            UNKNOWN,
            "Det er ukjent hvor stor del av leverandørens virksomhet som utføres for de kontrollerende oppdragsgiverne (må være mer enn 80 %).",
            "The share of the supplier's activities performed for the controlling authorities is unknown (must be more than 80%).",
        ),
        "unknown": (
            UNKNOWN,
            "Vilkårene for felles kontroll (FOA § 3-2) kan ikke avgjøres fordi {count} opplysning(er) mangler.",
            "The conditions of joint control (FOA § 3-2) cannot be decided because {count} fact(s) are missing.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        rel = facts.relationship
        if rel is None or rel.control != Control.joint:
            return None
        joint = rel.joint_control
        failures: list[tuple[str, str]] = []
        missing: list[str] = []
        for name, fragment in _JOINT_FLAGS:
            flag = getattr(joint, name) if joint is not None else None
            if flag is False:
                failures.append(fragment)
            elif flag is None:
                missing.append(f"relationship.joint_control.{name}")
        if failures:
            return self.finding("not_met", failures=_join(failures))
        activity = _activity(self, facts, "met")
        if activity.outcome == NOT_MET:
            return activity
        if missing:
            missing.extend(activity.missing)
            return self.finding("unknown", count=len(missing), missing=tuple(missing))
        return activity


@register
class EXC_VERT_04(Rule):
    rule_id = "EXC-VERT-04"
    family = "EXC"
    title = "Inverse and sister awards"
    citation = "direktiv 2014/24/EU art. 12 nr. 2; anskaffelsesforskriften § 3-1"
    messages = {
        "met": (
            MET,
            "Omvendt egenregi eller tildeling til søsterselskap: kjøperen er en kontrollert oppdragsgiver som tildeler til den kontrollerende, eller til en annen enhet kontrollert av samme oppdragsgiver.",
            "Inverse or sister award: the buyer is a controlled contracting authority awarding to its controller, or to another entity controlled by the same authority.",
        ),
        "buyer_unknown": (
            UNKNOWN,
            "Omvendt egenregi eller søstertildeling forutsetter at kjøperen er en offentlig oppdragsgiver; det er ukjent.",
            "An inverse or sister award requires the buyer to be a contracting authority; that is unknown.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent om leverandøren kontrollerer kjøperen, eller om begge kontrolleres av samme oppdragsgiver (omvendt egenregi / søstertildeling).",
            "It is unknown whether the supplier controls the buyer, or whether both are controlled by the same authority (inverse or sister award).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        rel = facts.relationship
        if rel is None:
            return None
        inverse = rel.inverse_or_sister
        if inverse is True:
            if facts.buyer.is_contracting_authority is None:
                return self.finding("buyer_unknown", missing=("buyer.is_contracting_authority",))
            return self.finding("met")
        if inverse is None and (rel.control is None or rel.control in NO_CONTROL):
            return self.finding("unknown", missing=("relationship.inverse_or_sister",))
        return None


@register
class EXC_VERT_05(Rule):
    rule_id = "EXC-VERT-05"
    family = "EXC"
    title = "How the 80 % / 20 % activity is measured"
    citation = "direktiv 2014/24/EU art. 12 nr. 5; anskaffelsesforskriften § 3-1 (beregning av aktivitet)"
    messages = {
        "three_years": (
            MET,
            "Aktiviteten er målt som gjennomsnittlig omsetning eller et annet aktivitetsbasert mål (f.eks. kostnader) for de tre årene før tildelingen.",
            "The activity is measured as average turnover or another activity-based measure (e.g. costs) over the three years before the award.",
        ),
        "projection_new": (
            MET,
            "Aktiviteten er anslått ved fremskrivninger; det er godtatt fordi leverandøren ble etablert {established}, mindre enn tre år før referansedatoen.",
            "The activity is measured by business projections; this is accepted because the supplier was established on {established}, less than three years before the reference date.",
        ),
        "projection_reason": (
            MET,
            "Aktiviteten er anslått ved fremskrivninger; det er godtatt fordi {ground}, slik at tall for de tre årene før tildelingen mangler eller ikke lenger er relevante. Dokumenter at målingen er troverdig.",
            "The activity is measured by business projections; this is accepted because {ground}, so figures for the three years before the award are unavailable or no longer relevant. Document that the measurement is credible.",
        ),
        "projection_refused": (
            NOT_MET,
            "Aktiviteten er bare anslått ved fremskrivninger, men leverandøren har tall for de tre siste årene. Da må aktiviteten måles med gjennomsnittlig omsetning eller et annet aktivitetsmål for de tre årene; fremskrivninger alene godtgjør ikke kravet om mer enn 80 %.",
            "The activity is only measured by business projections, but the supplier has figures for the last three years. The activity must then be measured by average turnover or another activity measure over those three years; projections alone do not prove more than 80%.",
        ),
        "projection_reason_unknown": (
            JUDGMENT,
            "Aktiviteten er anslått ved fremskrivninger, men det er ikke oppgitt hvorfor. Fremskrivninger godtas bare når tall for de tre siste årene mangler eller ikke lenger er relevante (ny enhet, ny aktivitet, omorganisering). Avgjør og dokumenter hvorfor: har leverandøren tall for tre år, er unntaket ikke godtgjort.",
            "The activity is measured by business projections, but the reason is not given. Projections are only accepted when figures for the last three years are unavailable or no longer relevant (new entity, new activity, reorganisation). Decide and document why: if the supplier has three years of figures, the exemption is not established.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent hvordan aktivitetsandelen er målt (gjennomsnittlig omsetning eller annet mål for tre år, eller fremskrivninger).",
            "It is unknown how the activity share is measured (three-year average turnover or another measure, or projections).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        supplier = facts.supplier
        basis = supplier.activity_basis
        if basis in THREE_YEAR_BASIS:
            return self.finding("three_years")
        if basis is None:
            return self.finding("unknown", missing=("supplier.activity_basis",))
        # Projections (catalog § 14 item 4): only for a new entity, a new activity or a reorganisation.
        reason = supplier.projection_reason
        if reason is not None:
            if reason == ProjectionReason.none:
                return self.finding("projection_refused")
            return self.finding("projection_reason", ground=PROJECTION_GROUNDS[reason])
        established = supplier.established
        if established is not None and established > add_months(facts.reference_date, -36):
            return self.finding("projection_new", established=established)
        return self.finding("projection_reason_unknown", missing=("supplier.projection_reason",))


@register
class EXC_VERT_06(Rule):
    rule_id = "EXC-VERT-06"
    family = "EXC"
    title = "Any direct private capital excludes in-house"
    citation = "C-26/03 Stadt Halle; anskaffelsesforskriften § 3-1 første ledd bokstav c"
    messages = {
        "none": (
            MET,
            "Det er ingen direkte privat kapital i leverandøren.",
            "There is no direct private capital participation in the supplier.",
        ),
        "by_law": (
            MET,
            "Den private kapitalen i leverandøren er påkrevd ved lov og gir verken kontroll eller blokkeringsmulighet.",
            "The private capital in the supplier is required by law and is neither controlling nor blocking.",
        ),
        "private": (
            NOT_MET,
            "Leverandøren har direkte privat kapital (selv en mindretallsandel utelukker egenregi): unntaket gjelder ikke.",
            "The supplier has direct private capital participation (even a minority share excludes in-house): the exemption does not apply.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent om leverandøren har direkte privat kapital (eller om den er påkrevd ved lov uten kontroll).",
            "It is unknown whether the supplier has direct private capital (or whether it is required by law and non-controlling).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        supplier = facts.supplier
        private = supplier.direct_private_capital
        if private is False:
            return self.finding("none")
        if private is None:
            return self.finding("unknown", missing=("supplier.direct_private_capital",))
        by_law = supplier.private_capital_required_by_law_noncontrolling
        if by_law is True:
            return self.finding("by_law")
        if by_law is None:
            return self.finding("unknown", missing=("supplier.private_capital_required_by_law_noncontrolling",))
        return self.finding("private")


@register
class EXC_VERT_07(Rule):
    rule_id = "EXC-VERT-07"
    family = "EXC"
    title = "No control relationship → no in-house"
    citation = "C-15/13 Technische Universität Hamburg-Harburg (8.5.2014)"
    cites = ("NAV-02",)
    messages = {
        "state_municipal": (
            NOT_MET,
            "Staten (f.eks. Arbeids- og velferdsetaten) kontrollerer ikke kommuner eller fylkeskommuner, og de kontrollerer ikke staten: egenregi er aldri mulig mellom dem. Bare samarbeid mellom oppdragsgivere (EXC-HOR-01) eller en reell overføring av myndighet kan gi unntak.",
            "The State (e.g. the Norwegian Labour and Welfare Administration) does not control municipalities or county municipalities, nor they the State: in-house is never available between them. Only horizontal cooperation (EXC-HOR-01) or a genuine transfer of competences can exempt the contract.",
        ),
        "no_control": (
            NOT_MET,
            "Det er ikke noe kontrollforhold mellom kjøper og leverandør (heller ikke omvendt eller via samme eier): egenregi er ikke mulig.",
            "There is no control relationship between buyer and supplier (neither inverse nor through a common controller): in-house is not available.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        b, s = facts.buyer.legal_type, facts.supplier.legal_type
        if (b == LegalType.state and s in MUNICIPAL_TYPES) or (s == LegalType.state and b in MUNICIPAL_TYPES):
            return self.finding("state_municipal", decision="state_municipal")
        rel = facts.relationship
        if rel is not None and rel.control in NO_CONTROL and rel.inverse_or_sister is False:
            return self.finding("no_control")
        return None


def assess_vertical(facts: Facts, ctx: Context, *, judgment: bool = False) -> ExemptionResult:
    """Extended in-house (EXC-VERT-01…07): the direct route (sole/joint control) or the inverse/sister route.

    A route whose only open question is why projections are used (EXC-VERT-05 without
    ``supplier.projection_reason``) is status ``judgment`` when the caller handles that status
    (``judgment=True``, like :func:`assess_horizontal`'s EXC-HOR-03 question); otherwise it is reported
    as ``unknown`` — not established, the reason listed as missing (EXC-BURDEN-01).
    """
    rel = facts.relationship
    claimed = rel is not None and (
        rel.control is None or rel.control in CLAIMING_CONTROL or rel.inverse_or_sister is True
    )
    v7 = EXC_VERT_07.evaluate(facts, ctx)
    if v7 is not None and v7.decision == "state_municipal":
        result = _STATE_MUNICIPAL.get(claimed)
        if result is None:
            result = _STATE_MUNICIPAL[claimed] = ExemptionResult(ClaimStatus.failed, claimed, (v7,), (), ())
        return result
    if rel is None:
        return NOT_CLAIMED
    capital = EXC_VERT_06.evaluate(facts, ctx)
    assert capital is not None
    routes: list[list[Finding]] = []
    control = rel.control
    if control == Control.joint:
        joint = EXC_VERT_03.evaluate(facts, ctx)
        assert joint is not None
        routes.append([joint, _basis(facts, ctx), capital])
    elif control is None or control in DIRECT_CONTROL:
        direct = EXC_VERT_01.evaluate(facts, ctx)
        assert direct is not None
        routes.append([direct, _basis(facts, ctx), capital])
    else:
        direct = EXC_VERT_01.evaluate(facts, ctx)
        assert direct is not None
        routes.append([direct])
    inverse = EXC_VERT_04.evaluate(facts, ctx)
    if inverse is not None:
        routes.append([inverse, capital])

    statuses = [_status(route) for route in routes]
    for route, status in zip(routes, statuses):
        if status == ClaimStatus.established:
            reasons = tuple(f for f in route if f.decision != "caution")
            warnings = tuple(f for f in route if f.decision == "caution")
            return ExemptionResult(ClaimStatus.established, True, reasons, warnings, ())
    if judgment:
        for route, status in zip(routes, statuses):
            if status == ClaimStatus.judgment:
                reasons = tuple(f for f in route if f.decision != "caution")
                warnings = tuple(f for f in route if f.decision == "caution")
                missing_j = tuple(path for f in route if f.outcome == JUDGMENT for path in f.missing)
                return ExemptionResult(ClaimStatus.judgment, True, reasons, warnings, missing_j)

    reasons_list: list[Finding] = []
    missing: list[str] = []
    for route, status in zip(routes, statuses):
        # A failed route shows its failures (and unknowns, without missing facts: they cannot save it);
        # an open route shows its open questions with their missing facts.
        shown = (NOT_MET, UNKNOWN) if status == ClaimStatus.failed else (UNKNOWN, JUDGMENT)
        for f in route:
            if f.outcome not in shown:
                continue
            if all(f is not r for r in reasons_list):
                reasons_list.append(f)
                if status != ClaimStatus.failed:
                    missing.extend(f.missing)
    if v7 is not None:
        reasons_list.append(v7)
    overall = ClaimStatus.failed if all(status == ClaimStatus.failed for status in statuses) else ClaimStatus.unknown
    return ExemptionResult(overall, claimed, tuple(reasons_list), (), tuple(missing))


#: The State-versus-municipality result is the same for every such case (one per ``claimed``).
_STATE_MUNICIPAL: dict[bool, ExemptionResult] = {}


def _basis(facts: Facts, ctx: Context) -> Finding:
    found = EXC_VERT_05.evaluate(facts, ctx)
    assert found is not None
    return found


# --- EXC-HOR: horizontal cooperation -----------------------------------------------------------


@register
class EXC_HOR_01(Rule):
    rule_id = "EXC-HOR-01"
    family = "EXC"
    title = "Horizontal cooperation between contracting authorities (samarbeid mellom oppdragsgivere)"
    citation = "anskaffelsesforskriften § 3-3; direktiv 2014/24/EU art. 12 nr. 4; veileder kap. 4.4; C-480/06"
    cites = ("EXC-HOR-04",)
    messages = {
        "met": (
            MET,
            "Avtalen inngås bare mellom offentlige oppdragsgivere og gjennomfører et samarbeid om offentlige tjenester de skal utføre, for å nå felles mål; gjennomføringen styres bare av allmennhetens interesser, og hver deltaker utfører under 20 % av aktivitetene i det åpne markedet.",
            "The contract is concluded only between contracting authorities and implements cooperation on public services they must perform, to achieve common objectives; implementation is governed only by the public interest, and each participant performs less than 20% of the activities on the open market.",
        ),
        "not_met": (
            NOT_MET,
            "Vilkårene for samarbeid mellom oppdragsgivere (FOA § 3-3) er ikke oppfylt: {failures}.",
            "The conditions for cooperation between contracting authorities (FOA § 3-3) are not met: {failures}.",
        ),
        "unknown": (
            UNKNOWN,
            "Vilkårene for samarbeid mellom oppdragsgivere (FOA § 3-3) kan ikke avgjøres fordi {count} opplysning(er) mangler.",
            "The conditions for cooperation between contracting authorities (FOA § 3-3) cannot be decided because {count} fact(s) are missing.",
        ),
    }

    _NOT_AUTHORITY = {
        "buyer": ("kjøperen er ikke en offentlig oppdragsgiver", "the buyer is not a contracting authority"),
        "supplier": ("leverandøren er ikke en offentlig oppdragsgiver", "the supplier is not a contracting authority"),
    }
    _FIXED = {
        "private_party_in_contract": ("en privat part er part i avtalen", "a private party is a party to the contract"),
        "common_objectives_documented": (
            "felles mål for samarbeidet er ikke dokumentert",
            "common objectives of the cooperation are not documented",
        ),
        "public_interest_only": (
            "gjennomføringen styres ikke bare av hensyn til allmennhetens interesser",
            "implementation is not governed solely by public-interest considerations",
        ),
        "too_few": ("samarbeidet har færre enn to deltakere", "the cooperation has fewer than two participants"),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None:
            return None
        failures: list[tuple[str, str]] = []
        missing: list[str] = []
        for who, party in (("buyer", facts.buyer), ("supplier", facts.supplier)):
            if party.is_contracting_authority is False:
                failures.append(self._NOT_AUTHORITY[who])
            elif party.is_contracting_authority is None:
                missing.append(f"{who}.is_contracting_authority")
        if coop.private_party_in_contract is True:
            failures.append(self._FIXED["private_party_in_contract"])
        elif coop.private_party_in_contract is None:
            missing.append("cooperation.private_party_in_contract")
        for name in ("common_objectives_documented", "public_interest_only"):
            flag = getattr(coop, name)
            if flag is False:
                failures.append(self._FIXED[name])
            elif flag is None:
                missing.append(f"cooperation.{name}")
        parties = coop.parties
        if parties is None:
            missing.append("cooperation.parties")
        else:
            if len(parties) < 2:
                failures.append(self._FIXED["too_few"])
            self._members(facts, parties, failures, missing)
            for i, party in enumerate(parties):
                if party.public_service_task is None:
                    missing.append(f"cooperation.parties[{i}].public_service_task")
                share = party.open_market_share_pct
                if share is None:
                    missing.append(f"cooperation.parties[{i}].open_market_share_pct")
                elif share >= TWENTY:
                    failures.append(_market_fragment(_party_label(party.name, party.entity_id, i), share))
        if failures:
            return self.finding("not_met", failures=_join(failures))
        if missing:
            return self.finding("unknown", count=len(missing), missing=tuple(missing))
        return self.finding("met")

    _ROLE = {"buyer": ("kjøperen", "the buyer"), "supplier": ("leverandøren", "the supplier")}

    def _members(self, facts: Facts, parties: tuple, failures: list[tuple[str, str]], missing: list[str]) -> None:
        """Catalog § 14 item 5: the buyer and the supplier must both be parties (compared by ``entity_id``).

        A party whose ``entity_id`` is unknown might be the one looked for: then the membership is
        unknown (that party's ``entity_id`` is missing), not failed.
        """
        keys = {p.entity_key for p in parties}
        unknown_ids = [f"cooperation.parties[{i}].entity_id" for i, p in enumerate(parties) if p.entity_key is None]
        for who, party in (("buyer", facts.buyer), ("supplier", facts.supplier)):
            if party.entity_key in keys:
                continue
            if unknown_ids:
                missing.extend(path for path in unknown_ids if path not in missing)
                continue
            role = self._ROLE[who]
            failures.append(
                (
                    f"{role[0]} {party.name} ({party.entity_id}) er ikke blant partene i samarbeidet, og en kontrakt med en som ikke er part, kan ikke unntas som dette samarbeidet",
                    f"{role[1]} {party.name} ({party.entity_id}) is not among the parties of the cooperation, and a contract with an entity that is not a party cannot be exempted as this cooperation",
                )
            )


def _market_fragment(label: tuple[str, str], share: Decimal) -> tuple[str, str]:
    pct = Pct(share)
    return (
        f"{label[0]} utfører {fmt_nb(pct)} av aktivitetene i det åpne markedet (må være under 20 %)",
        f"{label[1]} performs {fmt_en(pct)} of the activities on the open market (must be less than 20%)",
    )


@register
class EXC_HOR_02(Rule):
    rule_id = "EXC-HOR-02"
    family = "EXC"
    title = "Genuine cooperation: every party must contribute (no 'payment only')"
    citation = "C-429/19 Remondis (4.6.2020); C-386/11 Piepenbrock; direktiv 2014/24/EU fortale 33"
    messages = {
        "met": (
            MET,
            "Alle deltakerne bidrar til å utføre den offentlige tjenesten med mer enn betaling.",
            "Every participant contributes to performing the public service with more than payment.",
        ),
        "not_met": (
            NOT_MET,
            "Samarbeid krever at alle deltakerne bidrar til å utføre tjenesten; det er ikke nok at én oppdragsgiver betaler en annen for å utføre en oppgave (også til kostpris): {failures}.",
            "Cooperation requires every participant to contribute to performing the service; one authority paying another to carry out a task (even at cost) is not enough: {failures}.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent om alle deltakerne bidrar med mer enn betaling.",
            "It is unknown whether every participant contributes more than payment.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None or coop.parties is None:
            return None
        failures: list[tuple[str, str]] = []
        missing: list[str] = []
        for i, party in enumerate(coop.parties):
            label = _party_label(party.name, party.entity_id, i)
            if party.payment_only is True:
                failures.append((f"{label[0]} bidrar bare med betaling", f"{label[1]} only contributes payment"))
            elif party.payment_only is None:
                missing.append(f"cooperation.parties[{i}].payment_only")
            if party.contributions is None:
                missing.append(f"cooperation.parties[{i}].contributions")
            elif not party.contributions and party.payment_only is not True:
                failures.append((f"{label[0]} har ingen bidrag", f"{label[1]} has no contribution"))
        if failures:
            return self.finding("not_met", failures=_join(failures))
        if missing:
            return self.finding("unknown", missing=tuple(missing))
        return self.finding("met")


@register
class EXC_HOR_03(Rule):
    rule_id = "EXC-HOR-03"
    family = "EXC"
    title = "No private operator may be placed in a privileged position"
    citation = "C-159/11 Lecce; C-796/18 ISE; C-480/06"
    messages = {
        "met": (
            MET,
            "Ingen privat aktør stilles i en bedre posisjon enn konkurrentene.",
            "No private operator is placed in a better position than its competitors.",
        ),
        "not_met": (
            NOT_MET,
            "Samarbeidet stiller en privat aktør (f.eks. underleverandør, opprinnelig utvikler eller eksterne eksperter) i en bedre posisjon enn konkurrentene: unntaket gjelder ikke.",
            "The cooperation places a private operator (e.g. a subcontractor, the original developer or external experts) in a better position than its competitors: the exemption does not apply.",
        ),
        "judgment": (
            JUDGMENT,
            "Juridisk vurdering kreves: stiller samarbeidet en privat aktør (underleverandør, opprinnelig utvikler, eksterne eksperter) i en bedre posisjon enn konkurrentene? Hvis nei, og det dokumenteres, er samarbeidet unntatt; hvis ja, må anskaffelsen konkurranseutsettes.",
            "Legal judgment required: does the cooperation place a private operator (subcontractor, original developer, external experts) in a better position than its competitors? If not, and this is documented, the cooperation is exempt; if so, the contract must be put out to competition.",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None:
            return None
        advantaged = coop.private_operator_advantaged
        if advantaged == Advantaged.no:
            return self.finding("met")
        if advantaged == Advantaged.yes:
            return self.finding("not_met")
        return self.finding("judgment", missing=("cooperation.private_operator_advantaged",))


@register
class EXC_HOR_04(Reference):
    rule_id = "EXC-HOR-04"
    family = "EXC"
    title = "Cooperation may cover activities ancillary to the public services"
    citation = "C-796/18 ISE mot Stadt Köln (28.5.2020)"


@register
class EXC_HOR_05(Rule):
    rule_id = "EXC-HOR-05"
    family = "EXC"
    title = "Measurement of the open-market share (20 %)"
    citation = "anskaffelsesforskriften § 3-3 annet ledd; direktiv 2014/24/EU art. 12 nr. 5"
    cites = ("EXC-VERT-05",)
    messages = {
        "three_years": (
            MET,
            "Markedsandelen er målt per deltaker på grunnlag av gjennomsnittlig omsetning eller et annet aktivitetsmål for de tre siste årene.",
            "The open-market share is measured per participant on the basis of average turnover or another activity measure over the last three years.",
        ),
        "projection_reason": (
            MET,
            "Markedsandelen er anslått ved fremskrivninger; det er godtatt fordi {ground}, slik at tall for de tre siste årene mangler eller ikke lenger er relevante. Dokumenter at målingen er troverdig.",
            "The open-market share is measured by projections; this is accepted because {ground}, so figures for the last three years are unavailable or no longer relevant. Document that the measurement is credible.",
        ),
        "projection_refused": (
            NOT_MET,
            "Markedsandelen er bare anslått ved fremskrivninger, men det finnes tall for de tre siste årene. Da må andelen måles med gjennomsnittlig omsetning eller et annet aktivitetsmål for de tre årene; fremskrivninger alene godtgjør ikke kravet om under 20 %.",
            "The open-market share is only measured by projections, but figures for the last three years exist. The share must then be measured by average turnover or another activity measure over those three years; projections alone do not prove less than 20%.",
        ),
        "projection_reason_unknown": (
            JUDGMENT,
            "Markedsandelen er anslått ved fremskrivninger, men det er ikke oppgitt hvorfor. Fremskrivninger godtas bare når tall for de tre siste årene mangler eller ikke lenger er relevante (ny enhet, ny aktivitet, omorganisering). Avgjør og dokumenter hvorfor: finnes det tall for tre år, er unntaket ikke godtgjort.",
            "The open-market share is measured by projections, but the reason is not given. Projections are only accepted when figures for the last three years are unavailable or no longer relevant (new entity, new activity, reorganisation). Decide and document why: if three years of figures exist, the exemption is not established.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent hvordan markedsandelen er målt (tre års omsetning eller annet mål, eller fremskrivninger).",
            "It is unknown how the open-market share is measured (three years of turnover or another measure, or projections).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None:
            return None
        basis = coop.activity_basis
        if basis in THREE_YEAR_BASIS:
            return self.finding("three_years")
        if basis is None:
            return self.finding("unknown", missing=("cooperation.activity_basis",))
        # Projections (catalog § 14 item 4): only for a new entity, a new activity or a reorganisation.
        reason = coop.projection_reason
        if reason is None:
            return self.finding("projection_reason_unknown", missing=("cooperation.projection_reason",))
        if reason == ProjectionReason.none:
            return self.finding("projection_refused")
        return self.finding("projection_reason", ground=PROJECTION_GROUNDS[reason])


@register
class EXC_HOR_06(Rule):
    rule_id = "EXC-HOR-06"
    family = "EXC"
    title = "Indicators of a disguised service contract"
    citation = "C-386/11 Piepenbrock; C-159/11 Lecce"
    messages = {
        "indicators": (
            INFO,
            "Tegn på en forkledd tjenestekontrakt: {indicators}. Dette er indikatorer, ikke automatisk avgjørende; vurder om avtalen i realiteten er kjøp av en tjeneste.",
            "Signs of a disguised service contract: {indicators}. These are indicators, not decisive by themselves; consider whether the agreement is in reality the purchase of a service.",
        ),
    }
    _MARGIN = ("prisen er markedspris med fortjenestemargin", "the price is a market price with a profit margin")
    _THIRD = (
        "leverandøren kan bruke tredjeparter som konkurrerer i markedet",
        "the supplier may use third parties that compete on the market",
    )

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        coop = facts.cooperation
        if coop is None:
            return None
        indicators = []
        if coop.pricing == Pricing.market_price_margin:
            indicators.append(self._MARGIN)
        if coop.third_party_subcontracting is True:
            indicators.append(self._THIRD)
        if not indicators:
            return None
        return self.finding("indicators", indicators=_join(indicators))


def assess_horizontal(facts: Facts, ctx: Context) -> ExemptionResult:
    """Horizontal cooperation (EXC-HOR-01…06); only when a cooperation is claimed."""
    if facts.cooperation is None:
        return NOT_CLAIMED
    checks = [
        f
        for f in (
            EXC_HOR_01.evaluate(facts, ctx),
            EXC_HOR_05.evaluate(facts, ctx),  # how the 20 % in EXC-HOR-01 is measured
            EXC_HOR_02.evaluate(facts, ctx),
            EXC_HOR_03.evaluate(facts, ctx),  # last: the question legal staff may have to decide
        )
        if f is not None
    ]
    warnings = [f for f in checks if f.decision == "caution"]
    indicators = EXC_HOR_06.evaluate(facts, ctx)
    if indicators is not None:
        warnings.append(indicators)
    status = _status(checks)
    if status == ClaimStatus.failed:
        return ExemptionResult(ClaimStatus.failed, True, tuple(f for f in checks if f.outcome == NOT_MET), tuple(warnings), ())
    if status == ClaimStatus.unknown:
        relevant = [f for f in checks if f.outcome in (UNKNOWN, JUDGMENT)]
        missing = tuple(path for f in relevant for path in f.missing)
        return ExemptionResult(ClaimStatus.unknown, True, tuple(relevant), tuple(warnings), missing)
    reasons = tuple(f for f in checks if f.decision != "caution")
    if status == ClaimStatus.judgment:
        missing = tuple(path for f in checks if f.outcome == JUDGMENT for path in f.missing)
        return ExemptionResult(ClaimStatus.judgment, True, reasons, tuple(warnings), missing)
    return ExemptionResult(ClaimStatus.established, True, reasons, tuple(warnings), ())


# --- EXC-COMP-01 -------------------------------------------------------------------------------

_TRANSFER_FLAGS = (
    (
        "receiver_has_powers",
        (
            "mottakeren får ikke myndighet til å organisere oppgaven og rammene for den",
            "the receiver does not obtain the power to organise the task and its framework",
        ),
    ),
    (
        "receiver_financial_independence",
        ("mottakeren har ikke økonomisk uavhengighet", "the receiver has no financial independence"),
    ),
    (
        "transferor_relinquishes_responsibility",
        (
            "den som overfører, gir ikke fra seg ansvaret for oppgaven",
            "the transferring authority does not relinquish responsibility for the task",
        ),
    ),
)


@register
class EXC_COMP_01(Rule):
    rule_id = "EXC-COMP-01"
    family = "EXC"
    title = "Transfer of competences (not a contract)"
    citation = "C-51/15 Remondis (21.12.2016); direktiv 2014/24/EU art. 1 nr. 6; KOFA 2017/18"
    messages = {
        "met": (
            MET,
            "Oppgaven er overført med myndighet og ansvar til en mottaker med økonomisk uavhengighet; den som overfører har gitt fra seg ansvaret (tilsyn kan beholdes). Det er intern organisering, ikke en offentlig kontrakt.",
            "The task has been transferred with powers and responsibility to a financially independent receiver; the transferring authority has relinquished responsibility (supervision may be kept). This is internal organisation, not a public contract.",
        ),
        "not_met": (
            NOT_MET,
            "Det er ingen overføring av myndighet: {failures}. En avtale som bare kjøper levering av tjenester (f.eks. kurs) er ikke en overføring av myndighet.",
            "There is no transfer of competences: {failures}. An agreement that only buys the delivery of services (e.g. courses) is not a transfer of competences.",
        ),
        "unknown": (
            UNKNOWN,
            "Det er ukjent om vilkårene for overføring av myndighet er oppfylt (myndighet til mottakeren, økonomisk uavhengighet, ansvaret gitt fra seg).",
            "It is unknown whether the conditions of a transfer of competences are met (powers to the receiver, financial independence, responsibility relinquished).",
        ),
    }

    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        transfer = facts.transfer
        if transfer is None:
            return None
        failures: list[tuple[str, str]] = []
        missing: list[str] = []
        for name, fragment in _TRANSFER_FLAGS:
            flag = getattr(transfer, name)
            if flag is False:
                failures.append(fragment)
            elif flag is None:
                missing.append(f"transfer.{name}")
        if failures:
            return self.finding("not_met", failures=_join(failures))
        if missing:
            return self.finding("unknown", missing=tuple(missing))
        return self.finding("met")
