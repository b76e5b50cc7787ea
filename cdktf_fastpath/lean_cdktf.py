"""Make the jsii kernel load cdktf's own tarball with its one eager `require("archiver")` made lazy.

cdktf 0.21.0's `lib/private/fs.js` requires archiver (and lodash, async, readable-stream, glob...) at the top,
about 100 ms of the ~220 ms Node spends requiring cdktf on every synth, but calls it only to zip a
TerraformAsset of type ARCHIVE. When `cdktf._jsii` is first imported, the import hook (provider_import) calls
`preload`: it loads constructs, then a derivative of cdktf's tarball under the same name and version, identical
member for member except that statement, which becomes a function requiring archiver on its first call
(lean_assembly_build.lazy_archiver_js; refused unless every use in the file is a plain call). cdktf's own
`_jsii` load then finds the package in the kernel and does nothing. The derivative is built once and cached
(lean_assembly_cache). Anything unexpected means cdktf's own tarball loads, with one line on stderr.
`CDKTF_FASTPATH_LEAN_CDKTF=0` keeps cdktf's own.
"""

from __future__ import annotations

from pathlib import Path

from . import lean_assembly_cache as cache
from . import switches
from .lean_assembly import load_into_kernel, provider_assembly
from .lean_assembly_cache import ProviderAssembly, Unavailable
from .stderr_notice import OnceOnStderr

PACKAGE = "cdktf"
VARIANT = ("lazy-archiver",)  # the cache key's variant, and what the builder is asked for
BUILDER_ARGUMENTS = ("--lazy-archiver",)

# Says once on stderr that the kernel loads cdktf's own tarball, so a slower synth has a visible cause.
LeanCdktfNotice = OnceOnStderr("cdktf-fastpath: lean cdktf assembly not used ({reason}); loading cdktf's own")


def cdktf_assembly(package_dir: Path) -> ProviderAssembly:
    """What cdktf's `_jsii` module loads; Unavailable if the package there is not cdktf."""
    assembly = provider_assembly(package_dir)
    if assembly.name != PACKAGE:
        raise Unavailable(f"{package_dir} holds the assembly {assembly.name}, not {PACKAGE}")
    return assembly


def preload(package_dir: Path) -> bool:
    """Load the derived cdktf tarball into the kernel before `cdktf._jsii` loads its own; returns whether it did."""
    if not switches.step_on(switches.LEAN_CDKTF):
        return False
    try:
        assembly = cdktf_assembly(package_dir)
        tarball = cache.derived_tarball(assembly, VARIANT, BUILDER_ARGUMENTS)
    except (Unavailable, OSError) as error:
        LeanCdktfNotice.say(str(error))
        return False
    import constructs._jsii  # noqa: F401 - cdktf's code requires constructs, as cdktf's own _jsii module loads it

    load_into_kernel(assembly, tarball, "lean cdktf assembly", switches.variable(switches.LEAN_CDKTF))
    return True
