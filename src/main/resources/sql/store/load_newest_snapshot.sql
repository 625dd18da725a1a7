SELECT version, cluster_status FROM snapshots ORDER BY version DESC LIMIT 1
