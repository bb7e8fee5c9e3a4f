"""Read-side queries per audience: the patient, the provider, sharing pages, the clinic admin.

Nothing here decides who may see what: callers pass a `journal.permissions` scope or querysets
already scoped there.
"""
