"""The persistent compilation cache of the ``brainnet-cb`` command.

A network run compiles its scan programs (the default ``brainnet-cb run``: two of
them, ~3 s of CPU and ~70 MB of peak memory on a 2-core machine). The command
keeps them on disk so that the next run of the same configuration (same model
class, monitors, shapes and precision; any parameter values, seed or duration
whose chunks have the same length) loads them instead.
"""

from __future__ import annotations

import os
import pathlib

__all__ = ["CACHE_ENV", "compilation_cache"]

#: Environment variable naming the folder of the command's compilation cache ("off": none).
CACHE_ENV = "BRAINNET_CB_CACHE"


def compilation_cache() -> str | None:
    """Keep the compiled programs of ``run``, ``sweep`` and ``fit`` on disk between commands.

    JAX's persistent compilation cache, in ``$BRAINNET_CB_CACHE`` (default
    ``$XDG_CACHE_HOME/brainnet_cb/xla``, i.e. ``~/.cache/brainnet_cb/xla``): the
    second run of a configuration loads its scan programs instead of compiling them
    (the default run compiles two, ~3 s of CPU and ~70 MB of peak memory each time).
    A loaded program is the one the compiler would build, so outputs are
    bit-identical with and without the cache. ``BRAINNET_CB_CACHE=off`` turns it
    off; a cache folder set through JAX (``JAX_COMPILATION_CACHE_DIR``) is kept;
    a folder that cannot be created means no cache. Only the ``brainnet-cb``
    process itself sets it (JAX's configuration is global to a process).

    Returns
    -------
    str or None
        The cache folder in use, or None.
    """
    import jax  # noqa: PLC0415

    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    value = os.environ.get(CACHE_ENV)
    if value is not None and value.strip().lower() in ("", "0", "off", "no", "false", "none"):
        return None
    root = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    path = pathlib.Path(value).expanduser() if value else root / "brainnet_cb" / "xla"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)  # the scans, not tiny helpers
    return str(path)
