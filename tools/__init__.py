"""Development-only tools: the benchmark, its data generator and the reliability load test.

Installed as a Django app only when AFTERCARE_DEV_TOOLS is on (tests and CI turn it on); the
web application never imports anything from here.
"""
