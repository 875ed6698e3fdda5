"""Password strength: zxcvbn's estimate (Dropbox's well-kept model of how attackers guess), with its advice
in the user's language. zxcvbn writes its advice in English; every sentence it can give is listed here, so the
catalogue translates it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_SCORE = 3  # 0-4; 3 = "safely unguessable": about 10^8 guesses or more

_ADVICE = {
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Add another word or two. Uncommon words are better.": _l("Add another word or two. Uncommon words are better."),
    "All-uppercase is almost as easy to guess as all-lowercase.": _l("All-uppercase is almost as easy to guess as all-lowercase."),
    "Avoid dates and years that are associated with you.": _l("Avoid dates and years that are associated with you."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    "Avoid sequences.": _l("Avoid sequences."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Capitalization doesn't help very much.": _l("Capitalization doesn't help very much."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "No need for symbols, digits, or uppercase letters.": _l("No need for symbols, digits, or uppercase letters."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    "Reversed words aren't much harder to guess.": _l("Reversed words aren't much harder to guess."),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "Use a longer keyboard pattern with more turns.": _l("Use a longer keyboard pattern with more turns."),
}


def weakness(password: str, user_inputs: list[str]) -> list[str] | None:
    """None when the password is strong enough; else zxcvbn's warning and suggestions, translated.
    ``user_inputs`` (the user's e-mail address and name) count as words an attacker knows."""
    result = zxcvbn(password[:200], user_inputs=[v for v in user_inputs if v])  # zxcvbn is slow on very long input
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    sentences = [feedback.get("warning") or ""] + list(feedback.get("suggestions") or [])
    return [str(_ADVICE.get(s, s)) for s in sentences if s]
