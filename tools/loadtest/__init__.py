"""The reliability load test: patients writing over a flaky server, then an audit.

`manage.py loadtest` (`run`) drives concurrent patients through the real journal forms under
gunicorn (the benchmark harness in `tools.bench`) while killing workers, and records every
write the server acknowledged (`ledger`). Afterwards `checker` compares that ledger with the
database: every acknowledged write exactly once, exactly as entered, nothing saved that was
reported as not saved. Nothing here is imported by the web application itself.
"""
