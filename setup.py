"""Package layout: the Python package trtplug, plus the native sources of registry/ shipped inside
it as trtplug.registry (compiled into every library `trtplug compile` builds)."""
from setuptools import find_namespace_packages, find_packages, setup

registry = ["trtplug.registry"] + [f"trtplug.registry.{p}" for p in find_namespace_packages("registry")]

setup(
    packages=find_packages(include=["trtplug", "trtplug.*"]) + registry,
    package_dir={"trtplug.registry": "registry"},
    package_data={"": ["*.j2", "templates/*.j2", "templates/*/*.j2", "*.map", "*.h", "*.cpp", "*.txt", "*.cmake"]},
)
