"""A rotating log file in the user log directory: details that one-line errors leave out."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_FILE = "annotator.log"


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path | None:
    """Send log records to ``log_dir/annotator.log`` (1 MB x 5). None if it cannot be made.

    Nothing goes to the terminal: the command line prints one ``error:`` line, the GUI a
    dialog, and both point here for the traceback.
    """
    root = logging.getLogger()
    root.setLevel(level)
    wanted = Path(os.path.abspath(log_dir / LOG_FILE))  # as the handler's baseFilename
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            if Path(handler.baseFilename) == wanted:
                return wanted
            # Configured before for another folder (ANNOTATOR_LOG_DIR changed, as between
            # tests): log where asked now, not into a folder that may be gone.
            root.removeHandler(handler)
            handler.close()
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_dir / LOG_FILE, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
    )
    root.addHandler(handler)
    return wanted
