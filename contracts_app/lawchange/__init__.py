"""The law-change impact report ("Endringer etter regelendring").

Every change of the law data (a threshold period activated or added, a data migration) is recorded with the whole
table before and after it (``rulecheck.models.LawChange``). ``services.reassess_pending`` — a job every minute and
``flask --app contracts_app rules reassess`` — claims each pending change once, assesses every open agreement,
capacity request and seat purchase under both tables, records the items whose verdict or regime moved
(``LawChangeItem``) and tells the legal reviewers who answer for them. Legal reviewers list the items, open them
and mark each handled with a note.
"""
