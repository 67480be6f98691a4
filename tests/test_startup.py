"""Start-up: ``import brainnet_cb`` and ``brainnet-cb --help`` load nothing heavy; names resolve on first use.

Each check runs in a fresh interpreter (what is imported is a property of a
process); timings are not asserted here (benchmarks/bench_startup.py has them).
"""

import ast
import json
import os
import pathlib
import subprocess
import sys

import brainnet_cb as bn
from brainnet_cb import errors

HEAVY = ("jax", "numpy", "scipy", "xarray", "pandas", "matplotlib", "brainunit", "brainstate", "braintools",
         "networkx", "nibabel", "zarr", "dask", "netCDF4", "tqdm")


def _python(code, **env):
    """Run ``code`` in a fresh interpreter; its last stdout line, parsed as JSON."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, **env), check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


LOADED = (f"loaded = lambda: sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))\n")


def test_import_and_help_load_no_heavy_package_and_a_run_loads_only_what_it_uses():
    code = (
        "import sys, json, contextlib, io\n" + LOADED +
        "import brainnet_cb as bn\n"
        "after_import = loaded()\n"
        "from brainnet_cb.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as text:\n"
        "    status = main(['--help'])\n"
        "after_help = loaded()\n"
        "bn.simulate, bn.Bold, bn.EEG, bn.load_atlas, bn.Additive, bn.CoombesByrne\n"
        "after_run_names = loaded()\n"
        "print(json.dumps([after_import, status, 'usage: brainnet-cb' in text.getvalue(), after_help,"
        " after_run_names]))\n"
    )
    after_import, status, usage, after_help, after_run = _python(code)
    assert after_import == []
    assert status == 0 and usage
    assert after_help == []
    # the engine needs JAX, xarray and brainunit, not the brainstate face, graphs, files or plots
    assert {"jax", "numpy", "xarray", "brainunit"} <= set(after_run)
    assert not {"braintools", "networkx", "nibabel", "zarr", "dask", "netCDF4", "tqdm"} & set(after_run)


def test_every_public_name_has_one_home_and_modules_named_like_functions_stay_functions():
    """bn.simulate / bn.sweep / bn.glass_brain are the functions even when their modules are imported first."""
    lazy = [name for names in bn._LAZY_NAMES.values() for name in names]
    eager = ["__version__", *errors.__all__]
    listed = lazy + eager + list(bn._LAZY_SUBMODULES)
    assert sorted(listed) == sorted(bn.__all__)
    # the TYPE_CHECKING imports (what type checkers and mkdocstrings see) spell out the same table
    tree = ast.parse(pathlib.Path(bn.__file__).read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    spelled = {(f".{n.module}" if n.module else "."): sorted(a.name for a in n.names) for n in block.body}
    assert spelled.pop(".") == sorted(bn._LAZY_SUBMODULES)
    assert spelled == {module: sorted(names) for module, names in bn._LAZY_NAMES.items()}
    code = (
        "import json, types\n"
        "import brainnet_cb.simulate, brainnet_cb.sweep\n"
        "import brainnet_cb as bn\n"
        "from brainnet_cb.simulation.simulate import simulate\n"
        "from brainnet_cb.fitting.sweep import sweep\n"
        "print(json.dumps([bn.simulate is simulate, bn.sweep is sweep,"
        " isinstance(bn.simulate, types.ModuleType)]))\n"
    )
    assert _python(code) == [True, True, False]
    # every public function named like a sub-module (bn.glass_brain was the module once a test imported it)
    named_like = sorted(n for n in lazy if (pathlib.Path(bn.__file__).parent / f"{n}.py").is_file())
    assert named_like == sorted(bn._SHADOWED) == ["glass_brain", "simulate", "sweep"]
    code = (
        "import importlib, json, types\n"
        f"names = {named_like!r}\n"
        "modules = [importlib.import_module('brainnet_cb.' + n) for n in names]\n"
        "import brainnet_cb as bn\n"
        "print(json.dumps([callable(getattr(bn, n)) and not isinstance(getattr(bn, n), types.ModuleType)"
        " for n in names]))\n"
    )
    assert _python(code) == [True, True, True]


def test_every_sub_package_is_an_attribute_of_a_fresh_import_and_is_listed_by_dir():
    """``bn.monitors`` (and every other sub-package) on a fresh ``import brainnet_cb`` was an AttributeError
    until something else had imported it; each now imports on first use, loading nothing heavy before."""
    folders = sorted(p.name for p in pathlib.Path(bn.__file__).parent.iterdir()
                     if (p / "__init__.py").is_file() and not p.name.startswith("_"))
    assert {"cli", "data", "fitting", "monitors", "nodes", "simulation"} <= set(folders)
    assert set(folders) <= set(bn._LAZY_SUBMODULES)
    code = (
        "import sys, json, types\n" + LOADED +
        "import brainnet_cb as bn\n"
        f"names = {folders!r}\n"
        "listed = [n for n in names if n in dir(bn)]\n"
        "before = loaded()\n"
        "got = {}\n"
        "for n in names:\n"
        "    try:\n"
        "        got[n] = getattr(bn, n).__name__\n"
        "    except AttributeError as error:\n"
        "        got[n] = str(error)\n"
        "print(json.dumps([listed, before, got]))\n"
    )
    listed, before, got = _python(code)
    assert listed == folders
    assert before == []
    assert got == {name: f"brainnet_cb.{name}" for name in folders}


def test_the_first_use_keeps_the_float64_switch_the_user_set():
    """Importing brainstate (on the first bn.<name>) switches jax_enable_x64 off; the face puts it back."""
    code = (
        "import json, jax\n"
        "import brainnet_cb as bn\n"
        "jax.config.update('jax_enable_x64', True)\n"
        "bn.simulate\n"
        "import brainstate\n"
        "print(json.dumps([jax.config.jax_enable_x64]))\n"
    )
    assert _python(code) == [True]


def test_float64_set_after_the_first_use_survives_a_later_brainstate_import():
    """The engine does not need brainstate; the face imports it at the first bn.<name> that loads JAX."""
    code = (
        "import json, sys\n"
        "import brainnet_cb as bn\n"
        "bn.simulate\n"
        "loaded = 'brainstate' in sys.modules\n"
        "import jax\n"
        "jax.config.update('jax_enable_x64', True)\n"
        "import brainstate\n"
        "print(json.dumps([loaded, jax.config.jax_enable_x64]))\n"
    )
    assert _python(code) == [True, True]


def test_the_main_job_compiles_before_it_allocates_outputs_and_never_loads_brainstate(tmp_path):
    """`brainnet-cb run` (float32): its programs compile before xarray, the file or a figure library
    load (the compiler's transient memory then sets no peak on top of them), and the run path
    imports sub-modules, not the face, so brainstate and brainunit stay unloaded."""
    out = tmp_path / "run.nc"
    code = (
        "import json, sys, contextlib, io\n" + LOADED +
        "from brainnet_cb.simulation import engine\n"
        "seen = []\n"
        "compile_advance = engine.compile_advance\n"
        "def recording(*args, **kwargs):\n"
        "    seen.append(loaded())\n"
        "    return compile_advance(*args, **kwargs)\n"
        "engine.compile_advance = recording\n"
        "from brainnet_cb.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main(['run', '--duration', '3000', '--set', 'monitors.bold.discard=0', '--out', {str(out)!r},"
        " '--quiet'])\n"
        "print(json.dumps([status, seen, loaded()]))\n"
    )
    status, seen, at_end = _python(code, BRAINNET_CB_CACHE="off")
    assert status == 0 and out.exists() and out.with_suffix(".png").exists()
    assert len(seen) == 2  # 3 s at TR 720 ms: 4 BOLD periods in one chunk, then a 120-ms tail; each compiled once
    assert not {"xarray", "pandas", "netCDF4", "matplotlib", "scipy", "brainstate", "brainunit"} & set(seen[0])
    assert {"xarray", "netCDF4", "matplotlib"} <= set(at_end)
    assert not {"brainstate", "brainunit"} & set(at_end)


def test_compilation_cache_of_the_command(tmp_path):
    """The command's cache folder: BRAINNET_CB_CACHE names it, "off" turns it off, JAX's own setting wins."""
    code = (
        "import json, jax\n"
        "from brainnet_cb.cli.cache import compilation_cache\n"
        "print(json.dumps([compilation_cache(), jax.config.jax_compilation_cache_dir]))\n"
    )
    folder = str(tmp_path / "xla")
    assert _python(code, BRAINNET_CB_CACHE=folder) == [folder, folder]
    assert (tmp_path / "xla").is_dir()
    assert _python(code, BRAINNET_CB_CACHE="off") == [None, None]
    own = str(tmp_path / "own")
    assert _python(code, BRAINNET_CB_CACHE=folder, JAX_COMPILATION_CACHE_DIR=own) == [own, own]
