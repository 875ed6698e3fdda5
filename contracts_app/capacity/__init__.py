"""The free-capacity marketplace: providers publish free seats, other services search, request and wait for them."""
