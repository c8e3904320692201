"""Package layout: the Python package trtplug, plus the native sources of registry/ shipped inside
it as trtplug.registry (compiled into every library `trtplug compile` builds).

Every file under registry/ is read at run time (sources, headers, linker scripts), so each of its
folders ships whole; tests/test_packaging.py checks the wheel against the tree."""
from setuptools import find_namespace_packages, find_packages, setup

registry = ["trtplug.registry"] + [f"trtplug.registry.{p}" for p in find_namespace_packages("registry")]

package_data = {package: ["*"] for package in registry}
package_data["trtplug"] = ["*/templates/*.j2", "*/*.j2", "*/*.map"]

setup(
    packages=find_packages(include=["trtplug", "trtplug.*"]) + registry,
    package_dir={"trtplug.registry": "registry"},
    package_data=package_data,
    exclude_package_data={package: ["*.o", "*.so", "*.pyc"] for package in registry},
)
