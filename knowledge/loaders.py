"""Load the corpus: markdown manuals and incident records from the site folder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from copilot.schemas import IncidentRecord
from knowledge.documents import Document


def load_manual(path: Path) -> Document:
    """Read a markdown manual with YAML front matter (doc_id, asset_class, title, revision)."""
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, object] = {}
    body = raw
    if raw.startswith("---"):
        _, front, body = raw.split("---", 2)
        meta = yaml.safe_load(front) or {}
    doc_id = str(meta.get("doc_id") or path.stem)
    return Document(
        doc_id=doc_id,
        source="demo",
        doc_type="manual",
        title=str(meta.get("title") or path.stem),
        text=body.strip(),
        metadata={
            "asset_class": str(meta.get("asset_class", "")),
            "revision": str(meta.get("revision", "")),
            "source_id": doc_id,
        },
        markdown=True,
    )


def load_manuals(folder: Path) -> list[Document]:
    return [load_manual(path) for path in sorted(folder.glob("*.md"))]


def load_incident_records(path: Path) -> list[IncidentRecord]:
    """Read incidents.jsonl (empty list when the file is absent)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [IncidentRecord.model_validate(json.loads(line)) for line in handle if line.strip()]


def incident_document(record: IncidentRecord, asset_class: str) -> Document:
    """Turn an incident into a document whose text reads like the logbook entry."""
    text = (
        f"Symptom: {record.symptom}\n"
        f"Diagnosis: {record.diagnosis}\n"
        f"Action: {record.action}\n"
        f"Outcome: {record.outcome}\n"
        f"Failure code: {record.failure_code}. Downtime {record.downtime_hours:g} h."
    )
    return Document(
        doc_id=record.id,
        source="demo",
        doc_type="incident",
        title=f"Incident {record.id} on {record.asset_id} ({record.date})",
        text=text,
        metadata={
            "asset_class": asset_class,
            "asset_id": record.asset_id,
            "failure_code": record.failure_code,
            "date": record.date,
            "source_id": record.id,
            "technician": record.technician,
        },
    )


# --- public corpora (read from COPILOT_DATA_DIR) ------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(text.split())


def load_maintnet(folder: Path) -> list[Document]:
    """MaintNet aviation logbook: one document per PROBLEM/ACTION record (IDENT is the source record id)."""
    path = folder / "Aircraft_Annotation_DataFile.csv"
    documents = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            ident = row["IDENT"].strip()
            problem, action = _clean(row["PROBLEM"]), _clean(row["ACTION"])
            documents.append(
                Document(
                    doc_id=f"MAINTNET-{ident}",
                    source="maintnet",
                    doc_type="logbook",
                    title=f"MaintNet logbook {ident}",
                    text=f"Problem: {problem}\nAction: {action}",
                    metadata={
                        "source_id": ident,
                        "asset_class": "aircraft",
                        "problem": problem,
                        "action": action,
                    },
                )
            )
    return documents


def load_faa(folder: Path) -> list[Document]:
    """FAA AID maintenance-related accident/incident narratives (c5 control number, c9 date, c119 remarks)."""
    path = folder / "Maintenance_Text_data_nona.csv"
    documents = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            control = row["c5"].strip()
            remarks = _clean(row.get("c119", ""))
            if not control or not remarks:
                continue
            make, model = _clean(row.get("c23", "")), _clean(row.get("c24", ""))
            date = row.get("c9", "").strip()
            iso = f"{date[:4]}-{date[4:6]}-{date[6:8]}" if len(date) == 8 and date.isdigit() else ""
            kind = {"A": "accident", "I": "incident"}.get(row.get("c1", "").strip(), "event")
            documents.append(
                Document(
                    doc_id=f"FAA-{control}",
                    source="faa",
                    doc_type="narrative",
                    title=f"FAA {kind} {control} ({make} {model})".replace("  ", " ").replace("( ", "("),
                    text=f"{remarks}\nAircraft: {make} {model}. Event: {kind}. Cause factor: {row.get('c78', '').strip()}.",
                    metadata={
                        "source_id": control,
                        "asset_class": "aircraft",
                        "date": iso,
                        "event_type": kind,
                        "cause_factor": row.get("c78", "").strip(),
                    },
                )
            )
    return documents


def _assetops_date(raw: str) -> str:
    """'4/6/16 14:00' -> '2016-04-06' (the work orders' month/day/two-digit-year format)."""
    try:
        month, day, year = raw.split()[0].split("/")
        return f"20{int(year):02d}-{int(month):02d}-{int(day):02d}"
    except (ValueError, IndexError):
        return ""


def load_assetopsbench(folder: Path) -> list[Document]:
    """AssetOpsBench chiller site: FMEA rows, failure codes, alert rules and 4,249 work orders."""
    documents: list[Document] = []
    with (folder / "fmea_failure_modes.csv").open(encoding="utf-8-sig", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle), start=1):
            equipment, mode = _clean(row["Equipment"]), _clean(row["Failure Mode"])
            documents.append(
                Document(
                    doc_id=f"AOB-FMEA-{i:03d}",
                    source="assetopsbench",
                    doc_type="fmea",
                    title=f"FMEA: {equipment} - {mode}",
                    text=(
                        f"Equipment: {equipment}\nFailure mode: {mode}\nDegradation mechanism: "
                        f"{_clean(row['Degradation Mechanism'])}\nInfluencing factors: {_clean(row['Influencing Factors'])}"
                    ),
                    metadata={"source_id": str(i), "asset_class": equipment.lower(), "failure_mode": mode},
                )
            )
    with (folder / "fc_failure_codes.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["secondary_code"].strip()
            documents.append(
                Document(
                    doc_id=f"AOB-FC-{code}",
                    source="assetopsbench",
                    doc_type="failure_code",
                    title=f"Failure code {code}: {_clean(row['secondary_code_description'])}",
                    text=(
                        f"Failure code {code} ({_clean(row['secondary_code_description'])}) under primary code "
                        f"{row['primary_code'].strip()} ({_clean(row['primary_code_description'])}), category "
                        f"{_clean(row['category'])}."
                    ),
                    metadata={
                        "source_id": code,
                        "asset_class": "chiller",
                        "failure_code": code,
                        "primary_code": row["primary_code"].strip(),
                    },
                )
            )
    rules: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    with (folder / "alerts_rule_to_failure_code.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rule = row["rule_id"].strip()
            names[rule] = _clean(row["rule_name"])
            rules.setdefault(rule, []).append(
                f"{row['primary_code'].strip()} ({_clean(row['primary_code_description'])})"
            )
    for rule, codes in sorted(rules.items()):
        documents.append(
            Document(
                doc_id=f"AOB-RULE-{rule}",
                source="assetopsbench",
                doc_type="alert_rule",
                title=f"Alert rule {rule}: {names[rule]}",
                text=f"Alert rule {rule} '{names[rule]}' points to failure codes: {'; '.join(codes)}.",
                metadata={"source_id": rule, "asset_class": "chiller"},
            )
        )
    with (folder / "wo_workorders_4249.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            wo = row["wo_id"].strip()
            kind = "preventive" if row["preventive"].strip().upper() == "TRUE" else "corrective"
            date = _assetops_date(row["actual_finish"])
            documents.append(
                Document(
                    doc_id=f"AOB-{wo}",
                    source="assetopsbench",
                    doc_type="work_order",
                    title=f"Work order {wo} on {_clean(row['equipment_name'])} ({date})",
                    text=(
                        f"{_clean(row['wo_description'])}. {kind.capitalize()} work on {_clean(row['equipment_name'])} "
                        f"({row['collection'].strip()}), failure code {row['secondary_code'].strip()} "
                        f"({_clean(row['secondary_code_description'])}), priority {row['work_priority'].strip()}, "
                        f"finished {row['actual_finish'].strip()}, duration {row['duration'].strip()}, labour "
                        f"{row['actual_labor_hours'].strip()} h."
                    ),
                    metadata={
                        "source_id": wo,
                        "asset_class": "chiller",
                        "asset_id": row["equipment_id"].strip(),
                        "equipment": _clean(row["equipment_name"]),
                        "failure_code": row["secondary_code"].strip(),
                        "primary_code": row["primary_code"].strip(),
                        "date": date,
                        "work_type": kind,
                        "component": row["collection"].strip(),
                    },
                )
            )
    return documents
