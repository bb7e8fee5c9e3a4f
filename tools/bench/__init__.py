"""The performance benchmark: data generator, load harness, statistics, budgets.

`manage.py generate_data` and `manage.py benchmark` are thin wrappers around this package.
Nothing here is imported by the web application itself.
"""
