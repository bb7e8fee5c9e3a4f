"""The shipped URLconf plus the benchmark's reference page (`tools.bench.reference`)."""

from django.urls import path

from config.urls import urlpatterns as shipped
from tools.bench.reference import reference_list

urlpatterns = [path("_bench/reference/", reference_list, name="bench-reference"), *shipped]
