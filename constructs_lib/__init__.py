"""aurora-web-cdktf's construct library: an EC2 web server connected to an Amazon Aurora MySQL cluster, for cdktf.

A plain library: importing it (or any module in it) defines classes and changes nothing else in the process,
so it composes with any cdktf app and any other provider resource. Import the constructs from their modules,
e.g. ``from constructs_lib.aurora_cluster import AuroraCluster, AuroraClusterConfig``.
"""
