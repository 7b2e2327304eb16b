"""The REST API, version 1: thin routers over the service functions, one module per stage."""
