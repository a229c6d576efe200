"""How runs and tools write their outputs: whole files or none (:mod:`.atomic`), one live run
per output folder (:mod:`.lock`), and no fresh run over a previous one (:mod:`.folder`).

Torch-free, so that the config package and ``--check`` can use it. See docs/reliability.md.
"""

from .atomic import (
    OutputWriteError,
    atomic_savefig,
    atomic_write_bytes,
    atomic_write_text,
    process_umask,
    remove_stale_temps,
)
from .folder import previous_run_files, refuse_fresh_run_over_previous
from .lock import LOCK_NAME, OutputFolderBusy, hold_output_folder

__all__ = [
    "LOCK_NAME", "OutputFolderBusy", "OutputWriteError", "atomic_savefig", "atomic_write_bytes",
    "atomic_write_text", "hold_output_folder", "previous_run_files",
    "process_umask", "refuse_fresh_run_over_previous", "remove_stale_temps",
]
