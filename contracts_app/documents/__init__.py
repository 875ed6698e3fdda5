"""Generated Word documents (always bokmål): the cooperation agreement, the assessment that documents an agreement's
verdict (procurement protocol or exemption assessment) and the order confirmation of a seat purchase.

``rendering`` fills a template with docxtpl's own steps, what does not depend on the context prepared once per
template (docxtpl itself for a template it cannot prepare); ``agreement``, ``assessment`` and ``order`` build each
document's context from the records (pure); ``services`` renders and stores them; ``views`` serves a stored one.
"""
