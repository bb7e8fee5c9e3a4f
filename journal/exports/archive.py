"""Download everything: the PDF summary, the CSV files and the FHIR bundle in one zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence

from journal.exports.csv_export import csv_files, readme_text
from journal.exports.data import ExportData
from journal.exports.fhir import fhir_json
from journal.exports.pdf import ChartImage, summary_pdf
from journal.thresholds import Thresholds

_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def export_filename(kind: str, data: ExportData, ext: str) -> str:
    """`aftercare-<kind>-<patient's local date>.<ext>`."""
    return f"aftercare-{kind}-{data.local(data.generated_at).date().isoformat()}.{ext}"


def everything_zip(
    data: ExportData,
    *,
    clinic_name: str = "",
    thresholds: Thresholds | None = None,
    charts: Sequence[ChartImage] | None = None,
    extra: Mapping[str, bytes] | None = None,
    extra_readme: str = "",
) -> bytes:
    """One zip with `summary.pdf`, `csv/*.csv`, `fhir/bundle.json`, a README and any `extra`
    members (name → bytes) the README describes in `extra_readme`."""
    members: dict[str, bytes] = {
        export_filename("summary", data, "pdf"): summary_pdf(
            data, clinic_name=clinic_name, thresholds=thresholds, charts=charts
        ),
        export_filename("fhir", data, "json"): fhir_json(data),
    }
    members |= {f"csv/{name}": content for name, content in csv_files(data).items()}
    readme = (
        readme_text(data)
        + (
            "\nContents: a one-page PDF summary, every record as CSV (folder csv/), and the same\n"
            "data as a FHIR R4 JSON Bundle other health apps can import.\n"
        )
        + extra_readme
    )
    members |= dict(extra or {})
    members["README.txt"] = readme.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
