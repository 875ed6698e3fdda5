"""Single-seat purchases (enkeltkjøp): seats and money reserved together in one locked transaction."""
