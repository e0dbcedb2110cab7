"""Package list for setuptools; everything else is in pyproject.toml.

resources/ sits at the top of the repository but installs as ``annotator.resources``, so an
installed wheel finds icons and templates through importlib.resources. pyproject.toml alone
cannot combine package discovery with that mapping.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["annotator", "annotator.*"]), "annotator.resources"],
    package_dir={"annotator.resources": "resources"},
)
