"""Check the audit and access tables' hash chains: exit status 1 at the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from journal.services import audit_chain


class Command(BaseCommand):
    help = (
        "Recompute the keyed hash chains of the audit and access logs and report the first "
        "row that was changed, removed outside an erasure, or inserted out of order."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = []
        for model in audit_chain.CHAINED:
            report = audit_chain.verify(model)
            line = f"{report.table}: {report.rows} rows, {report.erased} erased"
            if report.intact:
                self.stdout.write(f"{line}: chain intact")
            else:
                broken.append(f"{line}: chain broken at id {report.first_break}")
        if broken:
            raise CommandError("; ".join(broken))
