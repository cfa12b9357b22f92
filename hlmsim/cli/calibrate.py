"""``hlmsim calibrate``: ABC-SMC of the assumed parameters against the calibration targets
(:mod:`hlmsim.calibrate`). Writes posterior.parquet, generations.parquet, meta.json and the run
store history.db in the output folder; prints a progress line per generation on stderr and a
one-line summary on stdout. Exit code 2 for bad input (nothing written), 130 when interrupted
(the finished generations are kept: ``--resume`` continues)."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from ..cliutil import whole_number
from ..errors import InputError
from ..i18n import t
from ..i18n.formats import count, fmt_num, fmt_pct
from ..resources import add_flag, calibrate_need, check
from .common import add_report_lang, check_lang_option


def add_parser(subparsers: Any) -> None:
    """Register ``calibrate`` on the ``hlmsim`` command's subparsers."""
    p = subparsers.add_parser(
        "calibrate",
        help="calibrate the assumed parameters against the calibration targets (ABC-SMC)",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of the parameters of a"
        " calibration file against the calibration targets of the catalogue (validation"
        " targets are held out). The run store (history.db) lets an interrupted calibration"
        " continue with --resume. See docs/calibration.md.",
    )
    p.add_argument(
        "calibration",
        nargs="?",
        default=None,
        metavar="CALIBRATION",
        help="a calibration file (.toml) or the name of one in calibrations/ (default: the"
        " shipped default)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="the calibration's reduced size (its [quick] table): a smoke test, not a calibration",
    )
    p.add_argument(
        "--workers",
        default=None,
        metavar="N",
        help="local worker processes (default: 1)",
    )
    p.add_argument(
        "--sampler",
        default="batch",
        choices=("batch", "multicore"),
        help="batch (default): each batch of particles simulated on the workers, exactly"
        " reproducible from the seed for any number of workers; multicore: pyabc's sampler,"
        " particles accepted as they finish (an equivalent, not identical, posterior)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask distributed cluster instead (e.g. tcp://host:8786)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the calibration in --out from its stored generations",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="output folder (default: results/calibrations/<name>, -quick with --quick)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="validate the calibration file (its scenario, targets and priors) and the"
        " resources it needs, print the plan; run nothing, write nothing",
    )
    add_report_lang(p)
    add_flag(p)


def duration(seconds: float, lang: str) -> str:
    """A duration in seconds or minutes."""
    if seconds < 90:
        return t("calibrate.seconds", lang, n=fmt_num(seconds, 0, lang))
    return t("calibrate.minutes", lang, n=fmt_num(seconds / 60, 0, lang))


def _progress(lang: str) -> Any:
    def report(event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "start" and event.get("stored"):
            line = count(event["stored"], "calibrate.resumed", lang)
        elif kind == "screening":
            line = t("calibrate.screening", lang, done=event["done"], total=event["total"])
        elif kind == "generation":
            last = event["seconds_left"] <= 0  # the last generation allowed: nothing left to say
            line = t(
                "calibrate.generation_last" if last else "calibrate.generation",
                lang,
                g=event["generation"] + 1,
                max=event["max_generations"],
                eps=fmt_num(event["epsilon"], 3, lang),
                rate=fmt_pct(event["acceptance_rate"], lang, 1),
                ess=fmt_num(event["ess"], 0, lang),
                time=duration(event["seconds"], lang),
                left=duration(event["seconds_left"], lang),
            )
        else:
            return
        print(f"hlmsim calibrate: {line}", file=sys.stderr, flush=True)

    return report


def _on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main_calibrate(args: argparse.Namespace) -> int:
    """``hlmsim calibrate``: run (or continue) a calibration; print a one-line summary."""
    from ..calibrate.checks import full_catalogue as checks_catalogue
    from ..calibrate.config import load_calibration
    from ..calibrate.engine import calibrate, check_folder, default_out

    lang = check_lang_option(args.lang)
    workers = whole_number(args.workers, "--workers", 1)
    if workers is not None and args.scheduler is not None:
        raise InputError(
            "give either --workers (a local pool) or --scheduler (a Dask cluster), not both",
            key="--workers",
        )
    cal = load_calibration(args.calibration, quick=args.quick)
    out = Path(args.out) if args.out else default_out(cal)
    check_folder(out, cal, args.resume)  # before anything is printed or run
    local = 1 if args.scheduler is not None else (workers or 1)
    check(calibrate_need(cal, local), out, args.no_resource_check, source=cal.source)
    params = (
        count(len(cal.priors), "calibrate.parameters_n", lang)
        if cal.priors
        else t("calibrate.screening_parameters", lang)
    )
    executor = (
        t("calibrate.executor_dask", lang, address=args.scheduler)
        if args.scheduler
        else count(workers or 1, "cli.workers", lang)
    )
    print(
        t(
            "calibrate.plan",
            lang,
            name=cal.name,
            parameters=params,
            targets=count(len(cal.target_ids), "calibrate.targets_n", lang),
            scenario=cal.scenario.name,
            months=count(cal.scenario.months, "calibrate.months_n", lang),
            population=count(cal.spec.population, "calibrate.particles_n", lang),
            replicates=count(cal.spec.replicates, "calibrate.worlds_n", lang),
            seed=cal.spec.seed,
            executor=executor,
            out=out,
        ),
        file=sys.stderr,
    )
    if args.dry_run:
        print(t("calibrate.dry_run_ok", lang, file=cal.source))
        return 0
    old = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        res = calibrate(
            cal,
            out,
            workers=workers or 1,
            scheduler=args.scheduler,
            resume=args.resume,
            progress=_progress(lang),
            sampler=args.sampler,
        )
    except KeyboardInterrupt:
        print(f"hlmsim: {t('calibrate.interrupted', lang, out=out)}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, old)
    from ..calibrate.checks import outputs
    from ..reporting.calibration import write_calibration_report

    print(t("calibrate.checks", lang), file=sys.stderr, flush=True)
    report = write_calibration_report(
        outputs(cal, res, out, workers=workers or 1), out, lang, checks_catalogue(cal)
    )
    summary = res.summary()
    identified = summary.loc[summary["identified"], "parameter"].tolist()
    print(
        t(
            "calibrate.summary",
            lang,
            name=cal.name,
            k=len(identified),
            n=len(summary),
            identified=", ".join(identified) or t("calibrate.none", lang),
            generations=count(len(res.generations), "calibrate.generations_n", lang),
            reason=t(f"calibrate.stop_{res.metadata.get('stopped_by')}", lang),
        )
    )
    print(t("calibrate.posterior", lang, path=out / "posterior.parquet"))
    print(t("calibrate.report", lang, path=report))
    return 0
