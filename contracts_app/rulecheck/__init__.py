"""The rules engine inside the app: threshold periods in the database, the rules check page (Regelsjekk),
saved scenarios, the HTTP endpoint and the command line. The engine itself is the pure ``contracts_app.rules``.
"""
