"""What may be uploaded: one table of kinds, each naming the DAG that reads it and how.

A kind says which DAG a file of that kind feeds, which form fields (the DAG's reading params) an
upload may carry, and how the run's conf is built from the file's lake key and those fields.
Everything an upload sends is checked here before a byte is stored: an unknown field, a field
given twice, a bad choice or a file name the DAG would not read is an `UploadRejected`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tributary.errors import BadInput, quote_input

#: Form values as received: every field may repeat.
Form = Mapping[str, Sequence[str]]


class UploadRejected(BadInput):
    """What an upload sent does not fit its kind (answered with 422)."""


@dataclass(frozen=True)
class FormField:
    description: str
    #: may repeat (each value one item of a list param)
    many: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placed:
    """Where an upload's file landed: its key and the folder holding only it."""

    key: str
    folder: str


@dataclass(frozen=True)
class Kind:
    name: str
    dag_id: str
    description: str
    #: the run's conf from where the file landed and the form's values
    conf: Callable[[Placed, Form], dict[str, Any]]
    fields: Mapping[str, FormField] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    #: the file names the DAG reads (None: any name)
    file_names: tuple[str, ...] | None = None

    def check(self, file_name: str, form: Form) -> None:
        """UploadRejected unless the file name and every form field fit this kind."""
        unknown = sorted(set(form) - set(self.fields))
        if unknown:
            takes = ", ".join(["file", *self.fields])
            raise UploadRejected(f"unknown form field {quote_input(unknown[0])!r} for {self.name} "
                                 f"(it takes: {takes})")
        for name, spec in self.fields.items():
            values = form.get(name, ())
            if len(values) > 1 and not spec.many:
                raise UploadRejected(f"form field {name!r} given {len(values)} times; it takes one value")
            for value in values:
                if spec.choices and value not in spec.choices:
                    raise UploadRejected(f"{name} must be one of {', '.join(spec.choices)}, "
                                         f"not {quote_input(value)!r}")
        missing = [name for name in self.required if not any(v.strip() for v in form.get(name, ()))]
        if missing:
            raise UploadRejected(f"{self.name} needs the form field {missing[0]!r}: "
                                 f"{self.fields[missing[0]].description}")
        if self.file_names is not None and file_name not in self.file_names:
            raise UploadRejected(f"{self.name} reads files named {', '.join(self.file_names)}, "
                                 f"not {quote_input(file_name)!r}")


def _one(form: Form, name: str) -> str | None:
    values = [v for v in form.get(name, ()) if v.strip()]
    return values[0].strip() if values else None


def _document_conf(placed: Placed, form: Form) -> dict[str, Any]:
    conf: dict[str, Any] = {"path": placed.key}
    for name in ("region_column", "campaign_column"):
        if (value := _one(form, name)) is not None:
            conf[name] = value
    ignore = [v.strip() for v in form.get("ignore_columns", ()) if v.strip()]
    if ignore:
        conf["ignore_columns"] = ignore
    return conf


#: The files `polio_metadata` reads (`tributary.polio.master_data.MASTER_FILES`), restated because
#: the platform imports no domain; tests/polio/test_inputs.py keeps the two lists equal.
MASTER_FILES = ("regions.csv", "campaigns.csv", "indicators.csv", "calculated_indicators.csv")

KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("polio_document", "polio_ingest",
         "A polio CSV document (long or wide); loaded as one document.",
         _document_conf,
         fields={
             "region_column": FormField("Header of the region column (default: region)."),
             "campaign_column": FormField("Header of the campaign column (default: campaign)."),
             "ignore_columns": FormField("A descriptive column of a wide document to skip; "
                                         "repeat the field for each.", many=True),
         }),
    Kind("polio_master", "polio_metadata",
         "One polio master-data file, upserted by name.",
         lambda placed, _form: {"path": placed.folder},
         file_names=MASTER_FILES),
    Kind("polio_mapping", "polio_mapping",
         "A CSV of mappings (kind, source_string, master).",
         lambda placed, _form: {"path": placed.key}),
    Kind("migration_matrix", "migration_matrix",
         "A World Bank bilateral matrix CSV.",
         lambda placed, form: {f"{_one(form, 'matrix')}_path": placed.key},
         fields={"matrix": FormField("Which matrix the file is: migration or remittance.",
                                     choices=("migration", "remittance"))},
         required=("matrix",)),
)}


def kind_named(name: str) -> Kind:
    """The kind, or KeyError naming the kinds there are."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"no upload kind {quote_input(name)!r} (kinds: {', '.join(KINDS)})") from None
