SELECT count(*) FROM pgactive.pgactive_get_workers_info() WHERE last_error IS NOT NULL
