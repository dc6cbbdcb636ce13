"""The `copilot` command line: wiring only; the work lives in the modules it calls."""

from __future__ import annotations

import functools
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from copilot.config import Settings, get_settings
from copilot.errors import CopilotError

app = typer.Typer(
    help="Maintenance copilot: alerts in, investigations, approvals and work orders out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

keys_app = typer.Typer(help="API keys for the service and the UI.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

F = TypeVar("F", bound=Callable[..., Any])
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


def _setup_logging(settings: Settings) -> None:
    level = os.environ.get("COPILOT_CLI_LOG_LEVEL", "WARNING")
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def handles_errors(func: F) -> F:
    """Turn the copilot's errors into a one-line message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CopilotError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]


def _settings() -> Settings:
    settings = get_settings()
    _setup_logging(settings)
    return settings


def _echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


@app.command()
@handles_errors
def demo(
    as_json: JsonOpt = False,
    reset: Annotated[bool, typer.Option(help="Wipe COPILOT_HOME first for a clean run.")] = False,
) -> None:
    """Seed the demo site, replay a fault scenario, score it, raise alerts and investigate them."""
    from copilot.demo import run_demo

    summary = run_demo(_settings(), reset=reset)
    if as_json:
        _echo_json(summary.model_dump(mode="json"))
        return
    typer.echo(
        f"Replayed {summary.readings_scored:,} simulated sensor readings (faults injected on "
        f"{', '.join(summary.faults_injected)}); the predictors raised {summary.alerts_raised_now} alerts."
    )
    typer.echo(
        f"alerts: {summary.alerts}   investigations: {summary.investigations}   "
        f"pending approvals: {summary.pending_approvals}   work orders: {summary.work_orders}"
    )
    for line in summary.details:
        approval = f" (approval {line.approval_id})" if line.approval_id else ""
        typer.echo(
            f"  investigation {line.investigation_id} on {line.asset_id}: {line.status}{approval}\n"
            f"    {line.diagnosis}"
        )
    typer.echo(f"timings (s): {summary.timings_s}")
    typer.echo(f"\nSee the evidence with `copilot approvals`; approve with:\n  {summary.next_step}")
    typer.echo("\nOr run `copilot serve` and `copilot ui` and sign in with an API key:")
    for user, key in summary.api_keys.items():
        typer.echo(f"  {user}: {key}")


@app.command()
@handles_errors
def approvals(
    as_json: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Include decided approvals.")] = False,
) -> None:
    """List approvals waiting for an operator, with their evidence and proposed actions."""
    from copilot.investigations import list_approvals, resume_decided
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        resume_decided(services)
        views = list_approvals(services, status=None if all_ else "pending")  # type: ignore[arg-type]
    finally:
        services.close()
    if as_json:
        _echo_json([v.model_dump(mode="json") for v in views])
        return
    if not views:
        typer.echo("no pending approvals")
    for view in views:
        typer.echo(
            f"approval {view.id} [{view.status}] investigation {view.investigation_id} on {view.asset_id}"
        )
        typer.echo(f"  {view.summary}")
        diagnosis = view.diagnosis
        if diagnosis:
            typer.echo(f"  diagnosis: {diagnosis.get('summary')}")
            for hypo in diagnosis.get("hypotheses", []):
                typer.echo(
                    f"    - {hypo['failure_code']} p={hypo['probability']:.2f} [{', '.join(hypo['citations'])}]"
                )
        for action in view.actions:
            flag = "APPROVAL: " + "; ".join(action["reasons"]) if action["requires_approval"] else "auto"
            typer.echo(f"  * {action['key']} ({action['kind']}): {flag}")
        typer.echo(f"  decide: copilot decide {view.id} --decision approve|reject --user <operator>")


@app.command()
@handles_errors
def decide(
    approval_id: Annotated[int, typer.Argument(help="The approval id (see `copilot approvals`).")],
    decision: Annotated[str, typer.Option(help="approve, edit, reject or more_evidence.")],
    user: Annotated[str, typer.Option(help="The deciding operator's user id.")],
    comment: Annotated[str, typer.Option(help="Why.")] = "",
    edits: Annotated[
        str | None, typer.Option(help='JSON edits per action key, e.g. {"work_order": {"priority": 1}}.')
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve, edit or reject a pending approval; the investigation resumes and carries out the plan."""
    from copilot.errors import ValidationError
    from copilot.investigations import decide as decide_approval
    from copilot.investigations import resume_decided
    from copilot.models import Decision
    from copilot.services import build_services

    try:
        choice = Decision(decision)
    except ValueError:
        raise ValidationError(
            f"unknown decision {decision!r}: use approve, edit, reject or more_evidence"
        ) from None
    try:
        parsed_edits = json.loads(edits) if edits else {}
    except json.JSONDecodeError as exc:
        raise ValidationError(f"--edits is not valid JSON: {exc}") from None
    services = build_services(_settings())
    try:
        resume_decided(services)
        outcome = decide_approval(
            services, approval_id, decision=choice, user_id=user, comment=comment, edits=parsed_edits
        )
    finally:
        services.close()
    if as_json:
        _echo_json(outcome.model_dump(mode="json"))
        return
    typer.echo(
        f"approval {outcome.approval_id}: {outcome.decision}; investigation {outcome.investigation_id} "
        f"is {outcome.investigation_status}; work orders: {', '.join(outcome.work_orders) or 'none'}"
    )


@app.command()
@handles_errors
def workorders(
    as_json: JsonOpt = False, asset: Annotated[str | None, typer.Option(help="Only this asset.")] = None
) -> None:
    """List work orders."""
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        if asset:
            services.registry.get(asset)
        orders = services.cmms.list(asset_id=asset)
    finally:
        services.close()
    if as_json:
        _echo_json([o.model_dump(mode="json") for o in orders])
        return
    if not orders:
        typer.echo("no work orders")
    for order in orders:
        typer.echo(
            f"{order.number} [{order.status.value}] P{order.priority} {order.asset_id} {order.title} "
            f"({order.craft}, {order.estimated_hours:g} h, permits {', '.join(order.permits) or '-'}, "
            f"approved by {order.approver or '-'})"
        )


@app.command()
@handles_errors
def assets(as_json: JsonOpt = False) -> None:
    """List the site's assets with their class, location and criticality."""
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        items = services.registry.list()
    finally:
        services.close()
    if as_json:
        _echo_json([a.model_dump(mode="json") for a in items])
        return
    for asset in items:
        typer.echo(
            f"{asset.id:7} {asset.asset_class:17} {asset.criticality}  {asset.name} ({asset.location}); "
            f"sensors: {', '.join(s.name for s in asset.sensors)}"
        )


@app.command()
@handles_errors
def train() -> None:
    """Train and export the site's fault classifiers (ONNX) and, with the public data, the AI4I classifier."""
    from copilot.site import load_site
    from copilot.training import train_site_models

    settings = _settings()
    settings.ensure_dirs()
    for meta in train_site_models(load_site(settings.site_dir), settings.models_dir):
        metrics = ", ".join(f"{k}={v:.3f}" for k, v in meta.metrics.items())
        typer.echo(f"{meta.name} v{meta.version}: threshold {meta.threshold:.3f}; {metrics}")
    ai4i = settings.data_dir / "ai4i2020" / "ai4i2020.csv" if settings.data_dir else None
    if ai4i is None or not ai4i.is_file():
        typer.echo("ai4i2020 failure classifier: skipped (no ai4i2020/ai4i2020.csv under COPILOT_DATA_DIR)")
        return
    from predictors.datasets.ai4i import read_ai4i
    from predictors.failure_classifier import train_failure_classifier

    failure = train_failure_classifier(read_ai4i(ai4i), settings.models_dir)
    metrics = ", ".join(f"{k}={v:.3f}" for k, v in failure.metrics.items())
    typer.echo(f"{failure.name} v{failure.version}: {metrics}")


@app.command()
@handles_errors
def ingest(
    source: Annotated[str | None, typer.Option(help="Source name; default all available.")] = None,
) -> None:
    """Ingest knowledge sources into the store (unchanged documents are skipped, removed ones deleted)."""
    from copilot.ingest import available_sources
    from copilot.ingest import ingest as ingest_source
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        names = [source] if source else available_sources(services)
        for name in names:
            with typer.progressbar(length=1, label=f"ingest {name}") as bar:

                def progress(done: int, total: int, bar: Any = bar) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                loaded_before = services.embedder.load_seconds is not None
                stats = ingest_source(services, name, progress=progress)
            # the first source that embeds anything also loads the model: say so, and leave it out of the rate
            loading = 0.0 if loaded_before else services.embedder.load_seconds or 0.0
            busy = stats.seconds - loading
            rate = stats.chunks_written / busy if busy > 0 and stats.chunks_written else 0.0
            typer.echo(
                f"{name}: {stats.documents} documents, {stats.added} added, {stats.replaced} replaced, "
                f"{stats.removed} removed, {stats.unchanged} unchanged, {stats.chunks_written} chunks written "
                f"in {stats.seconds:g} s ({rate:.0f} chunks/s"
                + (f" after {loading:.1f} s loading the embedding model)" if loading else ")")
            )
    finally:
        services.close()


@app.command()
@handles_errors
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many passages.")] = 5,
    source: Annotated[
        str | None, typer.Option(help="Only this source (demo, maintnet, faa, assetopsbench).")
    ] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
    as_json: JsonOpt = False,
) -> None:
    """Search the knowledge base; every hit carries its citation."""
    from copilot.errors import ValidationError
    from copilot.services import build_services

    if mode not in ("hybrid", "dense", "lexical"):
        raise ValidationError(f"unknown mode {mode!r}: use hybrid, dense or lexical")
    services = build_services(_settings())
    try:
        hits = services.retriever.search(query, k=k, source=source, mode=mode)  # type: ignore[arg-type]
    finally:
        services.close()
    rows = [
        {
            "doc_id": h.citation.doc_id,
            "source": h.citation.source,
            "source_id": str(h.metadata.get("source_id", h.citation.doc_id)),
            "title": h.citation.title,
            "section": h.citation.section,
            "score": h.score,
            "text": h.text,
        }
        for h in hits
    ]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        typer.echo("no passage found (is the knowledge base ingested? run `copilot ingest`)")
    for rank, row in enumerate(rows, start=1):
        snippet = " ".join(str(row["text"]).split())[:220]
        typer.echo(
            f"{rank}. [{row['doc_id']} § {row['section']}] ({row['source']}, score {row['score']:.4f})"
        )
        typer.echo(f"   {snippet}")


@app.command("eval")
@handles_errors
def eval_(
    suite: Annotated[str | None, typer.Option(help="One suite; default all.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="JSON report path; a markdown report is written beside it.")
    ] = None,
    predictions_out: Annotated[
        Path | None, typer.Option(help="Folder for per-file predictions (suites that support it).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when a metric is below its threshold.")
    ] = False,
) -> None:
    """Run eval suites in a fresh state folder; write a JSON and a markdown report with the thresholds."""
    from evals.runner import SUITES, check_thresholds, default_report_path, run_suite, write_report

    settings = _settings()
    names = [suite] if suite else list(SUITES)
    results = [run_suite(name, settings, predictions_out=predictions_out) for name in names]
    checks = check_thresholds(results)
    json_path, md_path = write_report(results, out or default_report_path(), checks)
    for result in results:
        if result.skipped:
            typer.echo(f"{result.suite}: skipped ({result.skipped})", err=True)
        else:
            figures = ", ".join(f"{k}={v:.4g}" for k, v in result.metrics.items())
            typer.echo(f"{result.suite} ({result.seconds:g} s): {figures}")
    failed = [c for c in checks if not c.passed]
    for failure in failed:
        typer.echo(
            f"THRESHOLD FAILED: {failure.suite}.{failure.metric} = {failure.value} (needs {failure.bound})",
            err=True,
        )
    typer.echo(
        f"report: {json_path} and {md_path}; {len(checks) - len(failed)} of {len(checks)} thresholds met"
    )
    if check and failed:
        raise typer.Exit(code=1)


@app.command()
@handles_errors
def bench(
    name: Annotated[str, typer.Argument(help="Benchmark: stream, retrieval, investigation or intake.")],
    as_json: JsonOpt = False,
    backend: Annotated[
        str, typer.Option(help="Embedding backend for retrieval: torch or onnx-int8.")
    ] = "torch",
    workers: Annotated[
        int, typer.Option(min=1, max=16, help="Service worker processes for the intake benchmark.")
    ] = 1,
) -> None:
    """Run a reproducible benchmark in a fresh state folder and print its figures."""
    import tempfile

    from copilot.errors import ValidationError

    settings = _settings()
    with tempfile.TemporaryDirectory(prefix=f"copilot-bench-{name}-") as tmp:
        fresh = settings.model_copy(update={"home": Path(tmp)})
        fresh.ensure_dirs()
        if name == "intake":
            from copilot.bench.intake import run_intake_bench

            figures = run_intake_bench(fresh, workers=workers)
        elif name == "investigation":
            from copilot.bench.investigation import run_investigation_bench

            figures = run_investigation_bench(fresh)
        elif name == "retrieval":
            from copilot.bench.retrieval import run_retrieval_bench

            figures = run_retrieval_bench(fresh, backend=backend)
        elif name == "stream":
            from copilot.bench.stream import run_stream_bench
            from copilot.site import load_site

            figures = run_stream_bench(load_site(fresh.site_dir), fresh.models_dir)
        else:
            raise ValidationError(
                f"unknown benchmark {name!r}: choose stream, retrieval, investigation or intake"
            )
    if as_json:
        _echo_json(figures)
        return
    for key, value in figures.items():
        typer.echo(f"{key}: {value}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="Worker processes sharing the database (each loads the models; /metrics is per process).",
        ),
    ] = 1,
) -> None:
    """Run the FastAPI service."""
    import uvicorn

    _settings()
    uvicorn.run(
        "copilot.api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port.")] = 8501) -> None:
    """Run the Streamlit app (it talks to the API at COPILOT_API_URL)."""
    app_path = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    if not app_path.is_file():
        typer.echo(f"error: the Streamlit app is not at {app_path}; run from a source checkout", err=True)
        raise typer.Exit(1)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    raise typer.Exit(subprocess.call(command))


if __name__ == "__main__":
    app()


@app.command()
@handles_errors
def chat(
    message: Annotated[str, typer.Argument(help="Your question or request.")],
    thread: Annotated[
        str, typer.Option("--thread", help="Conversation id; the thread remembers earlier turns.")
    ] = "cli",
    user: Annotated[str, typer.Option(help="Who is asking (a user id from the site).")] = "ana",
    stream: Annotated[bool, typer.Option("--stream", help="Print the answer as it is written.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask the copilot about an asset, an alert or a procedure; writes it proposes wait for approval."""
    from sqlmodel import Session

    from copilot.chat.graph import chat as answer_chat
    from copilot.chat.graph import chat_stream
    from copilot.chat.schemas import ChatAnswer
    from copilot.errors import NotFoundError
    from copilot.models import User
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        with Session(services.engine) as session:
            person = session.get(User, user)
            if person is None:
                raise NotFoundError(f"unknown user {user!r}: users are defined in the site's site.yaml")
        if stream and not as_json:
            answer = None
            for event in chat_stream(services, message, thread_id=thread, user_id=user, role=person.role):
                if event["type"] == "token":
                    typer.echo(event["text"], nl=False)
                else:
                    answer = ChatAnswer.model_validate({k: v for k, v in event.items() if k != "type"})
            typer.echo("")
            assert answer is not None
        else:
            answer = answer_chat(services, message, thread_id=thread, user_id=user, role=person.role)
    finally:
        services.close()
    if as_json:
        _echo_json(answer.model_dump(mode="json"))
        return
    if not stream:
        if answer.refused:
            typer.echo(f"[refused: {answer.reason}]")
        typer.echo(answer.answer)
    for action in answer.proposed_actions:
        flag = "needs approval" if action.requires_approval else "no approval needed"
        typer.echo(f"  proposed: {action.summary} ({flag})")
    typer.echo(
        f"(answered in {answer.mode} mode; sources: {', '.join(c.ref for c in answer.citations) or 'none'})"
    )


@app.command("import")
@handles_errors
def import_(
    source: Annotated[
        str, typer.Argument(help="What to import: assetopsbench (its chillers and 4,249 work orders).")
    ],
) -> None:
    """Import a public site's assets and work-order history from COPILOT_DATA_DIR into the database."""
    from copilot.errors import ValidationError
    from copilot.services import build_services
    from tools.importers.assetopsbench import folder_in, import_assetopsbench

    if source != "assetopsbench":
        raise ValidationError(f"unknown import {source!r}: choose assetopsbench")
    settings = _settings()
    if settings.data_dir is None:
        raise ValidationError("no public data folder: set COPILOT_DATA_DIR (default ../shared/data)")
    services = build_services(settings)
    try:
        report = import_assetopsbench(services.engine, folder_in(settings.data_dir))
    finally:
        services.close()
    typer.echo(report.model_dump_json(indent=2))


@keys_app.command("create")
@handles_errors
def keys_create(
    user: Annotated[str, typer.Argument(help="The user id (see site.yaml).")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
) -> None:
    """Issue an API key for a user; it is shown once (only its hash is stored)."""
    from copilot.access import create_key
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        typer.echo(create_key(services.engine, user_id=user, label=label))
    finally:
        services.close()


@keys_app.command("revoke")
@handles_errors
def keys_revoke(user: Annotated[str, typer.Argument(help="The user id whose keys to revoke.")]) -> None:
    """Revoke every API key of a user."""
    from copilot.access import revoke_keys
    from copilot.services import build_services

    services = build_services(_settings())
    try:
        typer.echo(f"revoked {revoke_keys(services.engine, user_id=user)} key(s) of {user}")
    finally:
        services.close()
