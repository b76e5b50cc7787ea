"""aurora-web-cdktf: reusable constructs for an EC2 web server connected to an Aurora MySQL cluster.

Importing this package first points jsii at the wheel's Node.js and installs the lean provider import,
so it must be imported before cdktf or the provider bindings.
"""

from . import node_runtime, provider_import

node_runtime.use_wheel_node()
provider_import.install()
