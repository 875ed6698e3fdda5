"""Legal entities (rettssubjekter) and the units (enheter) people work in."""
