"""Exports: plain data read from the database, then pure CSV / FHIR / PDF / archive writers.

`data.read_export_data` is the only part that touches the database; every other module takes
an `ExportData` and returns bytes or dicts, so it can be tested without the ORM.
"""
