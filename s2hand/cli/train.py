"""``s2hand-train`` / ``examples/train.py``: run one experiment from a JSON config.

    python examples/train.py --config_json configs/FreiHAND/SSL-e2e.json [--set key=value ...]

Same ``--config_json`` flag as the original S2HAND. The config is validated completely (keys,
types, values, paths) before anything runs; ``--check`` stops right there.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from s2hand.cli.errors import EXIT_FAILED, describe_error, exit_status_after_signal
from s2hand.config import ConfigError, ExperimentConfig, load_config, save_config
from s2hand.outputs import OutputFolderBusy, hold_output_folder, refuse_fresh_run_over_previous
from s2hand.stopping import raise_on_sigterm, signal_of

log = logging.getLogger("s2hand.train")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_FILE_NAME = "train.log"
EXIT_CONFIG_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2hand-train",
        description="Train or evaluate S2HAND (or DeepHandMesh: \"method\": \"deephandmesh\") "
        "from a JSON experiment config.",
        epilog="Every config key is described in docs/configuration.md.",
    )
    parser.add_argument(
        "--config_json", required=True, metavar="FILE", help="JSON experiment config."
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Override a config key (repeatable). VALUE is JSON (1e-4, true, null, "
        '["a","b"]) or a plain string; nested keys use dots: synthetic_data.num_train=8.',
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="Validate the config (keys, types, values, paths), print a summary, run nothing.",
    )
    parser.add_argument(
        "--log_level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="Console and train.log verbosity (default INFO).",
    )
    return parser


class _ConsoleFormatter(logging.Formatter):
    """Leaves tracebacks to the log file unless the user asked for DEBUG output."""

    def __init__(self, show_tracebacks: bool):
        super().__init__(LOG_FORMAT)
        self.show_tracebacks = show_tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.show_tracebacks:
            return super().format(record)
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


class _UnlessLoggedElsewhere(logging.Filter):
    """Drops records while another root handler writes the same file (the engine opens its own
    ``train.log`` handler during ``run_experiment``), so no line is written twice."""

    def __init__(self, handler: logging.FileHandler):
        super().__init__()
        self.handler = handler

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(
            isinstance(other, logging.FileHandler)
            and other is not self.handler
            and other.baseFilename == self.handler.baseFilename
            for other in logging.getLogger().handlers
        )


def configure_logging(level: str = "INFO", log_file: Path | None = None) -> None:
    """Console (stderr) logging, plus ``log_file`` when given; safe to call repeatedly."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_s2hand", False):
            root.removeHandler(handler)
            handler.close()
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(_ConsoleFormatter(show_tracebacks=level == "DEBUG"))
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        file_handler.addFilter(_UnlessLoggedElsewhere(file_handler))
        handlers.append(file_handler)
    for handler in handlers:
        handler._s2hand = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def is_main_process() -> bool:
    """True unless torchrun says this is a non-zero rank (``RANK`` unset or ``"0"``)."""
    return os.environ.get("RANK", "0") in ("", "0")


def summary(cfg: ExperimentConfig) -> str:
    """One line saying what the config will run."""
    if cfg.method == "deephandmesh":
        return _deephandmesh_summary(cfg)
    parts = [f"mode={cfg.run_mode}", f"task={cfg.task}"]
    if cfg.run_mode == "training":
        parts += [
            f"train={'+'.join(cfg.train_datasets)}",
            f"epochs={cfg.total_epochs}",
            f"lr={cfg.init_lr:g}",
            f"batch={cfg.train_batch}",
            f"losses={','.join(cfg.losses)}",
        ]
    parts += [
        f"val={'+'.join(cfg.val_datasets)}",
        f"requires={','.join(sorted(cfg.all_requires))}",
        f"out={cfg.base_out_path}",
    ]
    if cfg.synthetic_data is not None:
        parts.append(f"synthetic_data={cfg.synthetic_data.layout}")
    return " ".join(parts)


def _deephandmesh_summary(cfg: ExperimentConfig) -> str:
    d = cfg.deephandmesh
    on = [k for k, v in d.correctives.model_dump().items() if v]
    parts = [f"method=deephandmesh mode={cfg.run_mode}", f"root={d.root}",
             f"subject={d.subject}", f"backbone={d.backbone}",
             f"correctives={','.join(on) or 'none'}", f"lap_weight={d.loss_lap_weight:g}"]
    if cfg.run_mode == "training":
        parts += [f"epochs={cfg.total_epochs}", f"lr={cfg.init_lr:g}",
                  f"batch={cfg.train_batch}"]
    parts.append(f"out={cfg.base_out_path}")
    if d.synthetic is not None:
        parts.append("synthetic=on first use")
    return " ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad config, 1 run failed, 130/143 after
    Ctrl-C/SIGTERM; see s2hand.cli.errors)."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        cfg = load_config(args.config_json, args.overrides)
    except ConfigError as err:
        print(err, file=sys.stderr)
        if len(err.lines) > 1:
            print(f"{len(err.lines)} problems found; nothing was run.", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.check:
        print(f"{args.config_json}: OK ({summary(cfg)})")
        return 0

    out_dir = cfg.base_out_path
    log_file = out_dir / LOG_FILE_NAME
    # Under torchrun every rank runs this; only rank 0 owns config.json and train.log.
    main_process = is_main_process()
    with ExitStack() as held:
        try:
            if main_process:
                held.enter_context(hold_output_folder(out_dir))
                refuse_fresh_run_over_previous(out_dir, cfg.run_mode, cfg.resume,
                                               args.config_json)
        except ConfigError as err:
            print(err, file=sys.stderr)
            return EXIT_CONFIG_ERROR
        except (OutputFolderBusy, OSError) as err:
            print(f"{args.config_json}: {err}", file=sys.stderr)
            return EXIT_FAILED
        return _run_in_folder(args, cfg, out_dir, log_file, main_process)


def _run_in_folder(args: argparse.Namespace, cfg: ExperimentConfig, out_dir: Path,
                   log_file: Path, main_process: bool) -> int:
    try:
        configure_logging(args.log_level, log_file if main_process else None)
        written = save_config(cfg, out_dir) if main_process else None
    except OSError as err:
        print(f'{args.config_json}: key "base_out_path" cannot be written: {err}', file=sys.stderr)
        return EXIT_CONFIG_ERROR
    log.info("config %s: %s", args.config_json, summary(cfg))
    if written is not None:
        log.info("resolved config written to %s", written)
    start = time.perf_counter()
    try:
        with raise_on_sigterm():
            # Imported only now: the engine pulls in torch and the model; --check needs neither.
            from s2hand.experiment import run_experiment

            result = run_experiment(cfg) or {}
    except KeyboardInterrupt as stop:
        return _stopped(stop, cfg)
    except ConfigError as err:  # found once the data is loaded (e.g. train_batch too large)
        log.error("%s", err)
        return EXIT_CONFIG_ERROR
    except Exception as err:
        # One paragraph for the user; the traceback goes to train.log for the developers.
        where = log_file if main_process else "the console with --log_level DEBUG"
        log.error("%s: %s (traceback in %s)", type(err).__name__, describe_error(err), where,
                  exc_info=True)
        return EXIT_FAILED
    if result.get("interrupted"):
        signum = result.get("stop_signal") or signal.SIGINT
        log.warning("stopped by %s after %.1f s: the state is saved in %s; continue with "
                    "--set resume=auto", signal.Signals(signum).name,
                    time.perf_counter() - start, result.get("last_checkpoint"))
        return exit_status_after_signal(signum)
    log.info("finished in %.1f s; outputs in %s", time.perf_counter() - start, out_dir)
    return 0


def _stopped(stop: KeyboardInterrupt, cfg: ExperimentConfig) -> int:
    """The note and exit status for a signal that ended the run by an exception: a second one
    in the training loop (its note names the last checkpoint), or one outside the loop (set-up,
    data preparation, a test pass), where nothing is saved for it and every file is whole."""
    signum = signal_of(stop)
    name = signal.Signals(signum).name
    note = getattr(stop, "note", "")
    if note:
        log.warning("stopped at once by a second %s: %s; continue with --set resume=auto", name,
                    note)
    else:
        advice = ("rerun with --set resume=auto to continue" if cfg.run_mode == "training"
                  else "rerun to evaluate")
        log.warning("stopped by %s outside the training loop: finished files are kept and none "
                    "is half-written; %s", name, advice)
    return exit_status_after_signal(signum)


if __name__ == "__main__":
    sys.exit(main())
