"""The web application: a REST API under /api/v1/ and server-rendered pages, over the CLI's service functions.

Nothing else in vigie imports this package; it is an edge, like `cli.py`. Every rule (roles, case
membership, the two-person rule, auditing) lives in the service layer, so the API, the pages and the
command line cannot disagree about who may do what.
"""
