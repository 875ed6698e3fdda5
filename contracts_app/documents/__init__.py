"""Generated Word documents (always bokmål): the cooperation agreement, the assessment that documents an agreement's
verdict (procurement protocol or exemption assessment) and the order confirmation of a seat purchase.

``rendering`` fills a template through docxtpl's public API; ``agreement``, ``assessment`` and ``order`` build each
document's context from the records (pure); ``services`` renders and stores them; ``views`` serves a stored one.
"""
