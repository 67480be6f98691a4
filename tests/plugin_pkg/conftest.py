"""The plug-in package is installed, not collected: keep pytest (and its
--doctest-modules) out of its sources and build outputs."""

collect_ignore_glob = ["*"]
