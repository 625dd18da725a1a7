-- Where each subscription connects, only to name its publisher among the configured nodes. The connection
-- string is parsed for host and port and then dropped: it may hold a password. Needs superuser (or
-- pg_read_all_settings-like rights on pg_subscription.subconninfo); without them peers keep their slot names.
SELECT subname, subconninfo
  FROM pg_catalog.pg_subscription
 WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
